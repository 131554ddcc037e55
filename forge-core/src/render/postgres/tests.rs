//! The PostgreSQL spelling of each change; whole scripts are snapshot-tested
//! in tests/autogenerate_snapshots.rs, and each is run against the server in
//! tests/autogenerate_fixed_point.rs.

use super::*;
use crate::model::{
    naming, CheckConstraint, Column, ColumnType, Deferrable, ForeignKey, Identity, Index, IndexKey,
    MatchType, NullsOrder, PrimaryKey, ReferentialAction, Sequence, Table, TableName,
    UniqueConstraint,
};
use crate::render::{Context, Dialect};

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
        ..UniqueConstraint::new("users_email_key", &["email"])
    });
    t.checks.push(CheckConstraint::new(
        "users_email_check",
        "char_length(email) > 3",
    ));
    t.indexes
        .push(index("ix_users_email", vec![IndexKey::column("email")]));
    t.comment = Some("People.".into());
    t
}

fn index(name: &str, keys: Vec<IndexKey>) -> Index {
    Index {
        name: name.into(),
        keys,
        unique: false,
        nulls_not_distinct: false,
        include: vec![],
        predicate: None,
        method: None,
    }
}

fn sql(change: &Change) -> Vec<String> {
    PostgreSql
        .render(change, &Context::default())
        .into_iter()
        .map(|s| s.sql)
        .collect()
}

fn t(name: &str) -> TableName {
    TableName::bare(name)
}

#[test]
fn create_table_names_every_constraint() {
    let text = schema_ddl(&Schema {
        tables: vec![users()],
        ..Schema::default()
    });
    assert_eq!(
        text,
        "CREATE TABLE \"users\" (\n    \"id\" bigint NOT NULL GENERATED ALWAYS AS IDENTITY,\n    \"email\" varchar(255) NOT NULL DEFAULT 'x',\n    CONSTRAINT \"users_pkey\" PRIMARY KEY (\"id\"),\n    CONSTRAINT \"users_email_key\" UNIQUE (\"email\"),\n    CONSTRAINT \"users_email_check\" CHECK (char_length(email) > 3)\n);\nCREATE INDEX \"ix_users_email\" ON \"users\" (\"email\");\nCOMMENT ON TABLE \"users\" IS 'People.';\nCOMMENT ON COLUMN \"users\".\"email\" IS 'It''s the address.';\n"
    );
}

#[test]
fn columns_tables_and_indexes_are_quoted_and_terminated() {
    let column = Column {
        default: Some("now()".into()),
        ..Column::new("seen_at", ColumnType::TIMESTAMPTZ, false)
    };
    assert_eq!(
        sql(&Change::AddColumn {
            table: t("users"),
            column: column.clone()
        }),
        ["ALTER TABLE \"users\" ADD COLUMN \"seen_at\" timestamptz NOT NULL DEFAULT now();"]
    );
    assert_eq!(
        sql(&Change::DropColumn {
            table: t("users"),
            column
        }),
        ["ALTER TABLE \"users\" DROP COLUMN \"seen_at\";"]
    );
    assert_eq!(
        sql(&Change::RenameTable {
            from: t("a"),
            to: t("b")
        }),
        ["ALTER TABLE \"a\" RENAME TO \"b\";"]
    );
    assert_eq!(
        sql(&Change::RenameColumn {
            table: t("t"),
            from: "a".into(),
            to: "b".into()
        }),
        ["ALTER TABLE \"t\" RENAME COLUMN \"a\" TO \"b\";"]
    );
    assert_eq!(sql(&Change::DropTable(users())), ["DROP TABLE \"users\";"]);
    let mut index = index(
        "ix_t_a_b",
        vec![IndexKey::column("a"), IndexKey::column("b").desc()],
    );
    index.unique = true;
    assert_eq!(
        sql(&Change::CreateIndex {
            table: t("t"),
            index: index.clone()
        }),
        ["CREATE UNIQUE INDEX \"ix_t_a_b\" ON \"t\" (\"a\", \"b\" DESC);"]
    );
    assert_eq!(
        sql(&Change::DropIndex {
            table: t("t"),
            index
        }),
        ["DROP INDEX \"ix_t_a_b\";"]
    );
}

#[test]
fn foreign_keys_spell_match_actions_and_deferral_in_postgresql_order() {
    let fk = ForeignKey {
        name: "t_u_fkey".into(),
        columns: vec!["u".into()],
        referenced_schema: None,
        referenced_table: "users".into(),
        referenced_columns: vec!["id".into()],
        on_delete: ReferentialAction::SetNull,
        on_update: ReferentialAction::Cascade,
        deferrable: Deferrable::InitiallyDeferred,
        match_type: MatchType::Full,
        not_valid: false,
    };
    assert_eq!(sql(&Change::AddForeignKey { table: t("t"), foreign_key: fk.clone() }), [
        "ALTER TABLE \"t\" ADD CONSTRAINT \"t_u_fkey\" FOREIGN KEY (\"u\") REFERENCES \"users\" (\"id\") MATCH FULL ON DELETE SET NULL ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED;"
    ]);
    assert_eq!(
        sql(&Change::DropForeignKey {
            table: t("t"),
            foreign_key: fk
        }),
        ["ALTER TABLE \"t\" DROP CONSTRAINT \"t_u_fkey\";"]
    );
}

#[test]
fn tables_of_another_schema_are_qualified_and_renames_stay_in_it() {
    let billing = TableName::new(Some("billing"), "invoices");
    assert_eq!(
        sql(&Change::RenameTable {
            from: billing.clone(),
            to: TableName::new(Some("billing"), "bills")
        }),
        ["ALTER TABLE \"billing\".\"invoices\" RENAME TO \"bills\";"]
    );
    let ix = index("ix_invoices_total", vec![IndexKey::column("total")]);
    assert_eq!(
        sql(&Change::CreateIndex {
            table: billing.clone(),
            index: ix.clone()
        }),
        ["CREATE INDEX \"ix_invoices_total\" ON \"billing\".\"invoices\" (\"total\");"]
    );
    assert_eq!(
        sql(&Change::DropIndex {
            table: billing.clone(),
            index: ix
        }),
        ["DROP INDEX \"billing\".\"ix_invoices_total\";"]
    );
    assert_eq!(
        sql(&Change::RenameSequence {
            table: billing,
            from: "invoices_id_seq".into(),
            to: "bills_id_seq".into()
        }),
        ["ALTER SEQUENCE \"billing\".\"invoices_id_seq\" RENAME TO \"bills_id_seq\";"]
    );
    assert_eq!(
        sql(&Change::CreateSchema {
            schema: "billing".into()
        }),
        ["CREATE SCHEMA \"billing\";"]
    );
}

#[test]
fn every_index_option_is_written_where_postgresql_expects_it() {
    let ix = Index {
        name: "ux_lower".into(),
        keys: vec![
            IndexKey {
                opclass: Some("text_pattern_ops".into()),
                ..IndexKey::expression("lower(email)")
            },
            IndexKey {
                nulls: Some(NullsOrder::Last),
                ..IndexKey::column("seen_at").desc()
            },
        ],
        unique: true,
        nulls_not_distinct: true,
        include: vec!["name".into()],
        predicate: Some("deleted_at IS NULL".into()),
        method: Some("btree".into()),
    };
    assert_eq!(sql(&Change::CreateIndex { table: t("users"), index: ix }), [
        "CREATE UNIQUE INDEX \"ux_lower\" ON \"users\" USING btree ((lower(email)) text_pattern_ops, \"seen_at\" DESC NULLS LAST) INCLUDE (\"name\") NULLS NOT DISTINCT WHERE deleted_at IS NULL;"
    ]);
}

#[test]
fn generated_collated_serial_and_identity_columns() {
    let generated = Column {
        generated: Some("qty * price".into()),
        ..Column::new("total", ColumnType::Double, true)
    };
    assert_eq!(
        column::definition(&TableName::bare("t"), &generated),
        "\"total\" double precision GENERATED ALWAYS AS (qty * price) STORED"
    );
    let collated = Column {
        collation: Some("C".into()),
        ..Column::new("code", ColumnType::Text, false)
    };
    assert_eq!(
        column::definition(&TableName::bare("t"), &collated),
        "\"code\" text COLLATE \"C\" NOT NULL"
    );
    let serial = Column {
        identity: Some(Identity::Serial),
        ..Column::new("id", ColumnType::BigInt, false)
    };
    assert_eq!(
        column::definition(&TableName::bare("t"), &serial),
        "\"id\" bigserial NOT NULL"
    );
    let identity = Column {
        identity: Some(Identity::ByDefault),
        sequence: Some(Sequence {
            start: Some(100),
            increment: Some(10),
            ..Sequence::default()
        }),
        ..Column::new("id", ColumnType::Integer, false)
    };
    assert_eq!(
        column::definition(&TableName::bare("t"), &identity),
        "\"id\" integer NOT NULL GENERATED BY DEFAULT AS IDENTITY (INCREMENT BY 10 START WITH 100)"
    );
    // An ALTER spells every option, so nothing of the old ones remains.
    assert_eq!(
        sql(&Change::AlterColumnSequence {
            table: t("t"),
            column: "id".into(),
            column_type: ColumnType::Integer,
            from: None,
            to: identity.sequence.clone(),
        }),
        ["ALTER TABLE \"t\" ALTER COLUMN \"id\" SET INCREMENT BY 10 SET MINVALUE 1 SET MAXVALUE 2147483647 SET START WITH 100 SET CACHE 1 SET NO CYCLE;"]
    );
    assert_eq!(
        sql(&Change::AddIdentity {
            table: t("t"),
            column: serial.clone()
        }),
        [
            "CREATE SEQUENCE \"t_id_seq\" AS bigint OWNED BY \"t\".\"id\";",
            "ALTER TABLE \"t\" ALTER COLUMN \"id\" SET DEFAULT nextval('\"t_id_seq\"'::regclass);",
            "SELECT setval('\"t_id_seq\"'::regclass, max(\"id\")) FROM \"t\" HAVING max(\"id\") IS NOT NULL;"
        ]
    );
    assert_eq!(
        sql(&Change::DropIdentity {
            table: t("t"),
            column: serial
        }),
        [
            "ALTER TABLE \"t\" ALTER COLUMN \"id\" DROP DEFAULT;",
            "DROP SEQUENCE \"t_id_seq\";"
        ]
    );
}

#[test]
fn type_changes_cast_when_needed_keep_the_collation_and_warn() {
    let change = |from, to, collation: Option<&str>| {
        PostgreSql
            .render(
                &Change::AlterColumnType {
                    table: t("t"),
                    column: "c".into(),
                    from,
                    to,
                    from_collation: collation.map(str::to_string),
                    to_collation: collation.map(str::to_string),
                },
                &Context::default(),
            )
            .remove(0)
    };
    let widen = change(ColumnType::varchar(10), ColumnType::varchar(20), None);
    assert_eq!(
        widen.sql,
        "ALTER TABLE \"t\" ALTER COLUMN \"c\" TYPE varchar(20);"
    );
    assert!(widen.warnings.is_empty());
    // Without COLLATE a type change would reset the column's collation.
    let collated = change(ColumnType::varchar(10), ColumnType::varchar(20), Some("C"));
    assert_eq!(
        collated.sql,
        "ALTER TABLE \"t\" ALTER COLUMN \"c\" TYPE varchar(20) COLLATE \"C\";"
    );
    let narrow = change(ColumnType::varchar(20), ColumnType::varchar(10), None);
    assert_eq!(narrow.warnings.len(), 2, "{narrow:?}");
    let cast = change(ColumnType::Text, ColumnType::Integer, None);
    assert_eq!(
        cast.sql,
        "ALTER TABLE \"t\" ALTER COLUMN \"c\" TYPE integer USING \"c\"::integer;"
    );
    let to_enum = change(
        ColumnType::Text,
        ColumnType::Enum { name: "s".into() },
        None,
    );
    assert_eq!(
        to_enum.sql,
        "ALTER TABLE \"t\" ALTER COLUMN \"c\" TYPE \"s\" USING \"c\"::text::\"s\";"
    );
    let bigger = change(ColumnType::Integer, ColumnType::BigInt, None);
    assert_eq!(bigger.warnings.len(), 1, "{bigger:?}");
    assert!(
        bigger.warnings[0].starts_with("rewrites table t"),
        "{bigger:?}"
    );
}

#[test]
fn enum_values_are_placed_and_renamed() {
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
    assert_eq!(
        sql(&Change::RenameEnumValue {
            name: "status".into(),
            from: "done".into(),
            to: "closed".into(),
        }),
        ["ALTER TYPE \"status\" RENAME VALUE 'done' TO 'closed';"]
    );
}
