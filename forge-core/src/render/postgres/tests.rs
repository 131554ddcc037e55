//! The PostgreSQL spelling of each change; whole scripts are snapshot-tested
//! in tests/autogenerate_snapshots.rs.

use super::*;
use crate::model::naming;

fn users() -> Table {
    let mut t = Table::new("users");
    t.columns = vec![
        Column::new("id", ColumnType::BigInt, false),
        Column {
            default: Some("'x'".into()),
            comment: Some("It's the address.".into()),
            ..Column::new("email", ColumnType::varchar(255), false)
        },
    ];
    t.columns[0].identity = Some(Identity::Always);
    t.primary_key = Some(PrimaryKey {
        name: naming::primary_key("users"),
        columns: vec!["id".into()],
    });
    t.uniques.push(UniqueConstraint {
        name: "users_email_key".into(),
        columns: vec!["email".into()],
    });
    t.checks.push(CheckConstraint {
        name: "users_email_check".into(),
        expression: "char_length(email) > 3".into(),
    });
    t.indexes.push(Index {
        name: "ix_users_email".into(),
        keys: vec![IndexKey::column("email")],
        unique: false,
        predicate: None,
        method: None,
    });
    t.comment = Some("People.".into());
    t
}

fn sql(change: &Change) -> Vec<String> {
    PostgreSql
        .render(change, &Context::default())
        .into_iter()
        .map(|s| s.sql)
        .collect()
}

#[test]
fn create_table_names_every_constraint() {
    let text = schema_ddl(&Schema {
        tables: vec![users()],
        enums: vec![],
    });
    assert_eq!(
        text,
        "CREATE TABLE \"users\" (\n    \"id\" bigint NOT NULL GENERATED ALWAYS AS IDENTITY,\n    \"email\" varchar(255) NOT NULL DEFAULT 'x',\n    CONSTRAINT \"users_pkey\" PRIMARY KEY (\"id\"),\n    CONSTRAINT \"users_email_key\" UNIQUE (\"email\"),\n    CONSTRAINT \"users_email_check\" CHECK (char_length(email) > 3)\n);\nCREATE INDEX \"ix_users_email\" ON \"users\" (\"email\");\nCOMMENT ON TABLE \"users\" IS 'People.';\nCOMMENT ON COLUMN \"users\".\"email\" IS 'It''s the address.';\n"
    );
}

#[test]
fn sea_query_statements_are_quoted_and_terminated() {
    let column = Column {
        default: Some("now()".into()),
        ..Column::new("seen_at", ColumnType::TimestampTz, false)
    };
    assert_eq!(
        sql(&Change::AddColumn {
            table: "users".into(),
            column: column.clone()
        }),
        ["ALTER TABLE \"users\" ADD COLUMN \"seen_at\" timestamptz NOT NULL DEFAULT now();"]
    );
    assert_eq!(
        sql(&Change::DropColumn {
            table: "users".into(),
            column
        }),
        ["ALTER TABLE \"users\" DROP COLUMN \"seen_at\";"]
    );
    assert_eq!(
        sql(&Change::RenameTable {
            from: "a".into(),
            to: "b".into()
        }),
        ["ALTER TABLE \"a\" RENAME TO \"b\";"]
    );
    assert_eq!(
        sql(&Change::RenameColumn {
            table: "t".into(),
            from: "a".into(),
            to: "b".into()
        }),
        ["ALTER TABLE \"t\" RENAME COLUMN \"a\" TO \"b\";"]
    );
    assert_eq!(sql(&Change::DropTable(users())), ["DROP TABLE \"users\";"]);
    let index = Index {
        name: "ix_t_a_b".into(),
        keys: vec![
            IndexKey::column("a"),
            IndexKey::Column {
                name: "b".into(),
                descending: true,
            },
        ],
        unique: true,
        predicate: None,
        method: None,
    };
    assert_eq!(
        sql(&Change::CreateIndex {
            table: "t".into(),
            index: index.clone()
        }),
        ["CREATE UNIQUE INDEX \"ix_t_a_b\" ON \"t\" (\"a\", \"b\" DESC);"]
    );
    assert_eq!(
        sql(&Change::DropIndex {
            table: "t".into(),
            index
        }),
        ["DROP INDEX \"ix_t_a_b\";"]
    );
    let fk = crate::model::ForeignKey {
        name: "t_u_fkey".into(),
        columns: vec!["u".into()],
        referenced_table: "users".into(),
        referenced_columns: vec!["id".into()],
        on_delete: ReferentialAction::SetNull,
        on_update: ReferentialAction::Cascade,
        deferrable: Deferrable::NotDeferrable,
    };
    assert_eq!(sql(&Change::AddForeignKey { table: "t".into(), foreign_key: fk.clone() }), [
        "ALTER TABLE \"t\" ADD CONSTRAINT \"t_u_fkey\" FOREIGN KEY (\"u\") REFERENCES \"users\" (\"id\") ON DELETE SET NULL ON UPDATE CASCADE;"
    ]);
    assert_eq!(
        sql(&Change::DropForeignKey {
            table: "t".into(),
            foreign_key: fk
        }),
        ["ALTER TABLE \"t\" DROP CONSTRAINT \"t_u_fkey\";"]
    );
}

#[test]
fn partial_and_expression_indexes_are_written_by_hand() {
    let index = Index {
        name: "ix_lower".into(),
        keys: vec![IndexKey::expression("lower(email)")],
        unique: true,
        predicate: Some("deleted_at IS NULL".into()),
        method: Some("hash".into()),
    };
    assert_eq!(sql(&Change::CreateIndex { table: "users".into(), index }), [
        "CREATE UNIQUE INDEX \"ix_lower\" ON \"users\" USING hash ((lower(email))) WHERE deleted_at IS NULL;"
    ]);
}

#[test]
fn type_changes_cast_when_needed_and_warn() {
    let change = |from, to| {
        PostgreSql
            .render(
                &Change::AlterColumnType {
                    table: "t".into(),
                    column: "c".into(),
                    from,
                    to,
                },
                &Context::default(),
            )
            .remove(0)
    };
    let widen = change(ColumnType::varchar(10), ColumnType::varchar(20));
    assert_eq!(
        widen.sql,
        "ALTER TABLE \"t\" ALTER COLUMN \"c\" TYPE varchar(20);"
    );
    assert!(widen.warnings.is_empty());
    let narrow = change(ColumnType::varchar(20), ColumnType::varchar(10));
    assert_eq!(narrow.warnings.len(), 2, "{narrow:?}");
    let cast = change(ColumnType::Text, ColumnType::Integer);
    assert_eq!(
        cast.sql,
        "ALTER TABLE \"t\" ALTER COLUMN \"c\" TYPE integer USING \"c\"::integer;"
    );
    let to_enum = change(ColumnType::Text, ColumnType::Enum { name: "s".into() });
    assert_eq!(
        to_enum.sql,
        "ALTER TABLE \"t\" ALTER COLUMN \"c\" TYPE \"s\" USING \"c\"::text::\"s\";"
    );
    let bigger = change(ColumnType::Integer, ColumnType::BigInt);
    assert_eq!(bigger.warnings.len(), 1, "{bigger:?}");
    assert!(
        bigger.warnings[0].starts_with("rewrites table t"),
        "{bigger:?}"
    );
}

#[test]
fn enum_values_are_placed() {
    assert_eq!(
        sql(&Change::AddEnumValue {
            name: "status".into(),
            value: "it's".into(),
            position: crate::diff::EnumValuePosition::Before("a".into()),
            labels_before: vec!["a".into()],
            columns: vec![],
        }),
        ["ALTER TYPE \"status\" ADD VALUE 'it''s' BEFORE 'a';"]
    );
}
