//! The fixed point of autogenerate, against the real PostgreSQL: for each case
//! (model A -> model B), bring an empty schema to A, autogenerate and apply the
//! upgrade to B, autogenerate again and expect nothing, apply the downgrade and
//! expect exactly what introspection read at A. Each case runs in its own
//! PostgreSQL schema of one database per test.

use forge::model::{
    naming, CheckConstraint, Column, ColumnType, Deferrable, EnumType, ForeignKey, Identity, Index,
    IndexKey, PrimaryKey, ReferentialAction, Schema, Table, UniqueConstraint,
};
use forge_core::autogenerate::{changes, revision_bodies, RevisionBody};
use forge_core::database;
use forge_core::introspect::postgres::introspect;
use forge_core::script::split_statements;
use forge_tests::TestDatabase;
use sqlx::{Connection, PgConnection};

struct Case {
    name: String,
    from: Schema,
    to: Schema,
}

fn case(name: impl Into<String>, from: Schema, to: Schema) -> Case {
    Case {
        name: name.into(),
        from,
        to,
    }
}

fn created(name: impl Into<String>, to: Schema) -> Case {
    case(name, Schema::default(), to)
}

// ---- model builders -------------------------------------------------------

fn col(name: &str, t: ColumnType) -> Column {
    Column::new(name, t, false)
}

fn nullable(name: &str, t: ColumnType) -> Column {
    Column::new(name, t, true)
}

fn with_default(mut c: Column, default: &str) -> Column {
    c.default = Some(default.to_string());
    c
}

fn table(name: &str, mut columns: Vec<Column>) -> Table {
    let mut t = Table::new(name);
    columns.insert(0, col("id", ColumnType::BigInt));
    t.columns = columns;
    t.primary_key = Some(PrimaryKey {
        name: naming::primary_key(name),
        columns: vec!["id".into()],
    });
    t
}

fn schema(tables: Vec<Table>) -> Schema {
    Schema {
        tables,
        enums: vec![],
    }
    .normalized()
}

fn with_enums(tables: Vec<Table>, enums: Vec<EnumType>) -> Schema {
    Schema { tables, enums }.normalized()
}

fn mood(labels: &[&str]) -> EnumType {
    EnumType {
        name: "mood".into(),
        labels: labels.iter().map(|l| l.to_string()).collect(),
    }
}

fn mood_type() -> ColumnType {
    ColumnType::Enum {
        name: "mood".into(),
    }
}

fn index(table: &str, columns: &[&str]) -> Index {
    Index {
        name: naming::index(table, columns),
        keys: columns.iter().map(|c| IndexKey::column(*c)).collect(),
        unique: false,
        predicate: None,
        method: None,
    }
}

fn unique(table: &str, columns: &[&str]) -> UniqueConstraint {
    UniqueConstraint {
        name: naming::unique(table, columns),
        columns: columns.iter().map(|c| c.to_string()).collect(),
    }
}

fn fk(table: &str, column: &str, target: &str, on_delete: ReferentialAction) -> ForeignKey {
    ForeignKey {
        name: naming::foreign_key(table, &[column]),
        columns: vec![column.into()],
        referenced_table: target.into(),
        referenced_columns: vec!["id".into()],
        on_delete,
        on_update: ReferentialAction::NoAction,
        deferrable: Deferrable::NotDeferrable,
    }
}

fn check(table: &str, column: &str, expression: &str) -> CheckConstraint {
    CheckConstraint {
        name: naming::check(table, column),
        expression: expression.into(),
    }
}

/// Every supported column type with a default PostgreSQL accepts for it.
fn types() -> Vec<(&'static str, ColumnType, &'static str)> {
    vec![
        ("smallint", ColumnType::SmallInt, "1"),
        ("integer", ColumnType::Integer, "42"),
        ("bigint", ColumnType::BigInt, "-7"),
        ("real", ColumnType::Real, "1.5"),
        ("double", ColumnType::Double, "0.25"),
        (
            "numeric_10_2",
            ColumnType::Numeric {
                precision: Some(10),
                scale: Some(2),
            },
            "9.99",
        ),
        (
            "numeric",
            ColumnType::Numeric {
                precision: None,
                scale: None,
            },
            "0",
        ),
        ("boolean", ColumnType::Boolean, "false"),
        ("text", ColumnType::Text, "'it''s'"),
        ("varchar_50", ColumnType::varchar(50), "'hello'"),
        ("varchar", ColumnType::Varchar { length: None }, "''"),
        ("char_3", ColumnType::Char { length: 3 }, "'abc'"),
        ("bytea", ColumnType::Bytes, "'\\x0102'"),
        ("uuid", ColumnType::Uuid, "gen_random_uuid()"),
        ("date", ColumnType::Date, "CURRENT_DATE"),
        ("time", ColumnType::Time, "'12:00:00'"),
        ("timestamp", ColumnType::Timestamp, "now()"),
        ("timestamptz", ColumnType::TimestampTz, "CURRENT_TIMESTAMP"),
        ("interval", ColumnType::Interval, "'1 day'"),
        ("json", ColumnType::Json, "'{}'"),
        ("jsonb", ColumnType::Jsonb, "'[]'"),
        (
            "integer_array",
            ColumnType::array(ColumnType::Integer),
            "'{1,2}'",
        ),
        ("text_array", ColumnType::array(ColumnType::Text), "'{}'"),
        ("enum", mood_type(), "'ok'"),
        ("enum_array", ColumnType::array(mood_type()), "'{}'"),
        (
            "inet",
            ColumnType::Custom { sql: "inet".into() },
            "'127.0.0.1'",
        ),
    ]
}

fn typed_schema(t: &ColumnType, column: Column) -> Schema {
    let enums = if t.enum_name().is_some() {
        vec![mood(&["sad", "ok", "happy"])]
    } else {
        vec![]
    };
    with_enums(vec![table("t", vec![column])], enums)
}

/// Each type, nullable without a default and NOT NULL with one.
fn type_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (name, t, default) in types() {
        cases.push(created(
            format!("{name} nullable"),
            typed_schema(&t, nullable("v", t.clone())),
        ));
        cases.push(created(
            format!("{name} not null with default {default}"),
            typed_schema(&t, with_default(col("v", t.clone()), default)),
        ));
    }
    cases
}

fn people() -> Table {
    table(
        "people",
        vec![
            col("name", ColumnType::varchar(100)),
            nullable("age", ColumnType::Integer),
        ],
    )
}

fn pets(on_delete: ReferentialAction) -> Table {
    let mut t = table("pets", vec![col("owner_id", ColumnType::BigInt)]);
    t.foreign_keys
        .push(fk("pets", "owner_id", "people", on_delete));
    t
}

fn constraint_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut t = people();
    t.indexes.push(index("people", &["name"]));
    cases.push(created("plain index", schema(vec![t])));

    let mut t = people();
    t.uniques.push(unique("people", &["name"]));
    cases.push(created("unique", schema(vec![t])));

    let mut t = people();
    t.uniques.push(unique("people", &["name", "age"]));
    t.indexes.push(index("people", &["age", "name"]));
    cases.push(created("composite unique and index", schema(vec![t])));

    let mut t = people();
    t.indexes.push(Index {
        predicate: Some("age IS NOT NULL".into()),
        ..index("people", &["age"])
    });
    cases.push(created("partial index", schema(vec![t])));

    let mut t = people();
    t.indexes.push(Index {
        name: "ux_people_lower_name".into(),
        keys: vec![IndexKey::expression("lower((name)::text)")],
        unique: true,
        predicate: None,
        method: None,
    });
    cases.push(created("unique expression index", schema(vec![t])));

    let mut t = people();
    t.indexes.push(Index {
        keys: vec![IndexKey::Column {
            name: "age".into(),
            descending: true,
        }],
        ..index("people", &["age"])
    });
    cases.push(created("descending index", schema(vec![t])));

    let mut t = people();
    t.indexes.push(Index {
        name: "ix_people_lower_name_desc".into(),
        keys: vec![
            IndexKey::Expression {
                expression: "lower((name)::text)".into(),
                descending: true,
            },
            IndexKey::column("age"),
        ],
        unique: false,
        predicate: None,
        method: None,
    });
    cases.push(created("descending expression index", schema(vec![t])));

    let mut t = people();
    t.indexes.push(Index {
        method: Some("hash".into()),
        ..index("people", &["name"])
    });
    cases.push(created("hash index", schema(vec![t])));

    for action in [
        ReferentialAction::NoAction,
        ReferentialAction::Restrict,
        ReferentialAction::Cascade,
        ReferentialAction::SetNull,
        ReferentialAction::SetDefault,
    ] {
        cases.push(created(
            format!("foreign key on delete {}", action.sql()),
            schema(vec![people(), pets(action)]),
        ));
    }
    let mut p = pets(ReferentialAction::Cascade);
    p.foreign_keys[0].on_update = ReferentialAction::Cascade;
    p.foreign_keys[0].deferrable = Deferrable::InitiallyDeferred;
    cases.push(created(
        "foreign key on update cascade, deferrable",
        schema(vec![people(), p]),
    ));

    let mut a = table("a", vec![nullable("b_id", ColumnType::BigInt)]);
    a.foreign_keys
        .push(fk("a", "b_id", "b", ReferentialAction::SetNull));
    let mut b = table("b", vec![nullable("a_id", ColumnType::BigInt)]);
    b.foreign_keys
        .push(fk("b", "a_id", "a", ReferentialAction::NoAction));
    cases.push(created("foreign key cycle", schema(vec![a, b])));

    let mut tree = table("tree", vec![nullable("parent_id", ColumnType::BigInt)]);
    tree.foreign_keys
        .push(fk("tree", "parent_id", "tree", ReferentialAction::Cascade));
    cases.push(created("self reference", schema(vec![tree])));

    let mut t = table(
        "products",
        vec![
            col("price", ColumnType::Double),
            col("qty", ColumnType::Integer),
        ],
    );
    t.checks.push(check("products", "price", "price > 0"));
    t.checks
        .push(check("products", "qty", "(qty >= 0) AND (qty <= 1000)"));
    cases.push(created("checks", schema(vec![t])));

    let mut t = table("named", vec![col("name", ColumnType::varchar(20))]);
    t.checks
        .push(check("named", "name", "char_length(name) >= 3"));
    cases.push(created(
        "check with a cast PostgreSQL adds",
        schema(vec![t]),
    ));

    let mut t = people();
    t.comment = Some("People's table.".into());
    t.columns[1].comment = Some("Full name; \"quoted\".".into());
    cases.push(created("comments", schema(vec![t])));

    let mut t = people();
    t.columns[0].identity = Some(Identity::Always);
    cases.push(created("identity always", schema(vec![t])));

    let mut t = people();
    t.columns[0].identity = Some(Identity::ByDefault);
    cases.push(created("identity by default", schema(vec![t])));

    let mut t = table("memberships", vec![col("group_id", ColumnType::BigInt)]);
    t.primary_key = Some(PrimaryKey {
        name: "memberships_pkey".into(),
        columns: vec!["id".into(), "group_id".into()],
    });
    cases.push(created("composite primary key", schema(vec![t])));

    let mut t = table("moods", vec![with_default(col("m", mood_type()), "'ok'")]);
    t.checks.push(check("moods", "m", "m <> 'sad'::mood"));
    cases.push(created(
        "enum with default and check",
        with_enums(vec![t], vec![mood(&["sad", "ok"])]),
    ));
    cases
}

fn transition_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let base = schema(vec![people()]);
    let edit = |f: &dyn Fn(&mut Table)| {
        let mut t = people();
        f(&mut t);
        schema(vec![t])
    };

    cases.push(case(
        "add nullable column",
        base.clone(),
        edit(&|t| t.columns.push(nullable("phone", ColumnType::varchar(20)))),
    ));
    cases.push(case(
        "add not null column with default",
        base.clone(),
        edit(&|t| {
            t.columns
                .push(with_default(col("active", ColumnType::Boolean), "true"))
        }),
    ));
    cases.push(case(
        "drop column",
        base.clone(),
        edit(&|t| {
            t.columns.pop();
        }),
    ));
    cases.push(case(
        "widen varchar",
        base.clone(),
        edit(&|t| t.columns[1].column_type = ColumnType::varchar(255)),
    ));
    cases.push(case(
        "integer to bigint",
        base.clone(),
        edit(&|t| t.columns[2].column_type = ColumnType::BigInt),
    ));
    cases.push(case(
        "varchar to text",
        base.clone(),
        edit(&|t| t.columns[1].column_type = ColumnType::Text),
    ));
    cases.push(case(
        "integer to text and back through USING",
        base.clone(),
        edit(&|t| t.columns[2] = with_default(nullable("age", ColumnType::Text), "'0'")),
    ));
    cases.push(case(
        "set not null",
        base.clone(),
        edit(&|t| t.columns[2].nullable = false),
    ));
    cases.push(case(
        "drop not null",
        base.clone(),
        edit(&|t| t.columns[1].nullable = true),
    ));
    cases.push(case(
        "add default",
        base.clone(),
        edit(&|t| t.columns[2].default = Some("18".into())),
    ));
    cases.push(case(
        "change default",
        edit(&|t| t.columns[1].default = Some("'a'".into())),
        edit(&|t| t.columns[1].default = Some("'b'".into())),
    ));
    cases.push(case(
        "add identity",
        base.clone(),
        edit(&|t| t.columns[0].identity = Some(Identity::ByDefault)),
    ));
    cases.push(case(
        "identity always to by default",
        edit(&|t| t.columns[0].identity = Some(Identity::Always)),
        edit(&|t| t.columns[0].identity = Some(Identity::ByDefault)),
    ));
    cases.push(case(
        "add comments",
        base.clone(),
        edit(&|t| {
            t.comment = Some("People.".into());
            t.columns[1].comment = Some("Name.".into());
        }),
    ));
    cases.push(case(
        "add index",
        base.clone(),
        edit(&|t| t.indexes.push(index("people", &["name"]))),
    ));
    cases.push(case(
        "drop index",
        edit(&|t| t.indexes.push(index("people", &["name"]))),
        base.clone(),
    ));
    cases.push(case(
        "change partial index predicate",
        edit(&|t| {
            t.indexes.push(Index {
                predicate: Some("age > 0".into()),
                ..index("people", &["age"])
            })
        }),
        edit(&|t| {
            t.indexes.push(Index {
                predicate: Some("age > 10".into()),
                ..index("people", &["age"])
            })
        }),
    ));
    cases.push(case(
        "add unique",
        base.clone(),
        edit(&|t| t.uniques.push(unique("people", &["name"]))),
    ));
    cases.push(case(
        "change check",
        edit(&|t| t.checks.push(check("people", "age", "age >= 0"))),
        edit(&|t| t.checks.push(check("people", "age", "age >= 18"))),
    ));

    // Renames the models ask for.
    let mut renamed = people();
    renamed.name = "persons".into();
    renamed.renamed_from = vec!["people".into()];
    renamed.primary_key = Some(PrimaryKey {
        name: "persons_pkey".into(),
        columns: vec!["id".into()],
    });
    cases.push(case("rename table", base.clone(), schema(vec![renamed])));
    cases.push(case(
        "rename column with its index and check",
        edit(&|t| {
            t.indexes.push(index("people", &["name"]));
            t.checks
                .push(check("people", "name", "char_length(name) > 0"));
        }),
        edit(&|t| {
            t.columns[1].name = "full_name".into();
            t.columns[1].renamed_from = vec!["name".into()];
            t.indexes.push(index("people", &["full_name"]));
            t.checks
                .push(check("people", "full_name", "char_length(full_name) > 0"));
        }),
    ));

    // Tables and foreign keys.
    cases.push(case(
        "create a referencing table",
        base.clone(),
        schema(vec![people(), pets(ReferentialAction::Cascade)]),
    ));
    cases.push(case(
        "drop a referencing table",
        schema(vec![people(), pets(ReferentialAction::Cascade)]),
        base.clone(),
    ));
    cases.push(case(
        "drop both tables of a reference",
        schema(vec![people(), pets(ReferentialAction::NoAction)]),
        schema(vec![table("other", vec![])]),
    ));
    cases.push(case(
        "change a foreign key action",
        schema(vec![people(), pets(ReferentialAction::NoAction)]),
        schema(vec![people(), pets(ReferentialAction::Restrict)]),
    ));
    let mut loose = pets(ReferentialAction::NoAction);
    loose.foreign_keys.clear();
    cases.push(case(
        "add a foreign key",
        schema(vec![people(), loose]),
        schema(vec![people(), pets(ReferentialAction::SetNull)]),
    ));

    // Enums.
    let moods = |labels: &[&str], default: &str| {
        with_enums(
            vec![table(
                "moods",
                vec![with_default(col("m", mood_type()), default)],
            )],
            vec![mood(labels)],
        )
    };
    cases.push(case(
        "append an enum value",
        moods(&["sad", "ok"], "'ok'"),
        moods(&["sad", "ok", "happy"], "'ok'"),
    ));
    cases.push(case(
        "insert an enum value first",
        moods(&["sad", "ok"], "'ok'"),
        moods(&["angry", "sad", "ok"], "'ok'"),
    ));
    cases.push(case(
        "insert an enum value in the middle",
        moods(&["sad", "ok"], "'ok'"),
        moods(&["sad", "meh", "ok"], "'ok'"),
    ));
    cases.push(case(
        "add an enum value and use it as the default at once",
        moods(&["sad", "ok"], "'ok'"),
        moods(&["sad", "ok", "happy"], "'happy'"),
    ));
    cases.push(case(
        "remove an enum value",
        moods(&["sad", "ok", "happy"], "'ok'"),
        moods(&["sad", "ok"], "'ok'"),
    ));
    cases.push(case(
        "reorder enum values",
        moods(&["sad", "ok"], "'ok'"),
        moods(&["ok", "sad"], "'ok'"),
    ));
    cases.push(case(
        "enum column to text, type dropped",
        moods(&["sad", "ok"], "'ok'"),
        schema(vec![table(
            "moods",
            vec![with_default(col("m", ColumnType::Text), "'ok'")],
        )]),
    ));
    cases.push(case(
        "text column to a new enum",
        schema(vec![table("moods", vec![col("m", ColumnType::Text)])]),
        with_enums(
            vec![table("moods", vec![col("m", mood_type())])],
            vec![mood(&["sad", "ok"])],
        ),
    ));
    cases
}

// ---- running a case -------------------------------------------------------

async fn session(db: &TestDatabase, schema: &str) -> PgConnection {
    database::connect(&db.url, Some(schema))
        .await
        .expect("connect to the case's schema")
}

/// Runs each revision's section in its own transaction, as the runner does.
async fn apply(conn: &mut PgConnection, sections: &[String]) -> Result<(), String> {
    for section in sections {
        let statements = split_statements(section, 1).map_err(|e| e.to_string())?;
        let mut tx = conn.begin().await.map_err(|e| e.to_string())?;
        for statement in statements {
            sqlx::raw_sql(&statement.sql)
                .execute(&mut *tx)
                .await
                .map_err(|e| format!("{e}\n  in: {}\n  section:\n{section}", statement.sql))?;
        }
        tx.commit().await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

async fn autogenerate(
    conn: &mut PgConnection,
    schema: &str,
    desired: &Schema,
) -> Result<Vec<RevisionBody>, String> {
    let changes = changes(conn, schema, "forge_version", desired)
        .await
        .map_err(|e| e.to_string())?;
    Ok(if changes.is_empty() {
        Vec::new()
    } else {
        revision_bodies("case", changes)
    })
}

/// The model with columns in name order: a downgrade re-adds a dropped column
/// at the end of the table, which is the same table.
fn comparable(mut schema: Schema) -> Schema {
    for t in &mut schema.tables {
        t.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    schema
}

async fn introspected(conn: &mut PgConnection, schema: &str) -> Result<Schema, String> {
    introspect(conn, schema)
        .await
        .map(comparable)
        .map_err(|e| e.to_string())
}

async fn reach(
    conn: &mut PgConnection,
    schema: &str,
    desired: &Schema,
) -> Result<Vec<RevisionBody>, String> {
    let bodies = autogenerate(conn, schema, desired).await?;
    apply(
        conn,
        &bodies
            .iter()
            .map(|b| b.upgrade_sql.clone())
            .collect::<Vec<_>>(),
    )
    .await?;
    let again = autogenerate(conn, schema, desired).await?;
    if let Some(body) = again.first() {
        return Err(format!(
            "not a fixed point: autogenerate again gives\n{:#?}",
            body.changes
        ));
    }
    Ok(bodies)
}

async fn run_case(db: &TestDatabase, number: usize, case: &Case) -> Result<(), String> {
    let schema = format!("case_{number}");
    db.execute(&format!("CREATE SCHEMA \"{schema}\"")).await;
    let mut conn = session(db, &schema).await;
    let empty = introspected(&mut conn, &schema).await?;

    let to_a = reach(&mut conn, &schema, &case.from)
        .await
        .map_err(|e| format!("reaching A: {e}"))?;
    let at_a = introspected(&mut conn, &schema).await?;
    let to_b = reach(&mut conn, &schema, &case.to)
        .await
        .map_err(|e| format!("upgrading A -> B: {e}"))?;
    if to_b.is_empty() || (to_a.is_empty() && case.from != Schema::default()) {
        return Err("autogenerate found no changes where the models differ".to_string());
    }
    if case.name.contains("at once") && to_b.len() != 2 {
        return Err(format!(
            "enum values used at once need a revision of their own, got {} revision(s)",
            to_b.len()
        ));
    }

    let downgrade: Vec<String> = to_b.iter().rev().map(|b| b.downgrade_sql.clone()).collect();
    apply(&mut conn, &downgrade)
        .await
        .map_err(|e| format!("downgrading B -> A: {e}"))?;
    let back = introspected(&mut conn, &schema).await?;
    if back != at_a {
        return Err(format!(
            "downgrade B -> A does not restore A\n  expected {at_a:#?}\n  got {back:#?}"
        ));
    }
    let downgrade: Vec<String> = to_a.iter().rev().map(|b| b.downgrade_sql.clone()).collect();
    apply(&mut conn, &downgrade)
        .await
        .map_err(|e| format!("downgrading A -> empty: {e}"))?;
    let gone = introspected(&mut conn, &schema).await?;
    if gone != empty {
        return Err(format!("downgrade A -> empty leaves {gone:#?}"));
    }
    Ok(())
}

async fn run_all(cases: Vec<Case>) -> usize {
    let db = TestDatabase::create().await;
    db.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto").await;
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let case_result = run_case(&db, i, case).await;
        if let Err(problem) = case_result {
            failures.push(format!("case `{}`: {problem}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    cases.len()
}

#[tokio::test]
async fn every_type_nullable_or_with_a_default_is_a_fixed_point() {
    assert_eq!(run_all(type_cases()).await, 52);
}

#[tokio::test]
async fn keys_indexes_foreign_keys_checks_comments_and_identities_are_fixed_points() {
    assert_eq!(run_all(constraint_cases()).await, 23);
}

#[tokio::test]
async fn transitions_upgrade_to_a_fixed_point_and_downgrade_back() {
    assert_eq!(run_all(transition_cases()).await, 34);
}
