//! What users will see: the SQL autogenerate writes for representative
//! changes, both sections, warnings included (reviewed snapshots in
//! tests/snapshots/).

use forge::model::{
    naming, CheckConstraint, Column, ColumnType, EnumType, ForeignKey, Index, IndexKey, PrimaryKey,
    ReferentialAction, Schema, Table, UniqueConstraint,
};
use forge::registry;
use forge_core::autogenerate::revision_bodies;
use forge_core::diff::diff;
use shop as _;

/// The revision bodies as the file would show them.
fn migration(desired: &Schema, live: &Schema) -> String {
    let mut out = String::new();
    for body in revision_bodies("snapshot", diff(desired, live)) {
        out.push_str(&format!(
            "==== revision: {}\n-- forge:upgrade\n{}\n-- forge:downgrade\n{}",
            body.message, body.upgrade_sql, body.downgrade_sql
        ));
    }
    out
}

fn users() -> Table {
    let mut t = Table::new("users");
    t.columns = vec![
        Column::new("id", ColumnType::Uuid, false),
        Column::new("email", ColumnType::varchar(100), false),
        Column::new("age", ColumnType::Integer, true),
    ];
    t.primary_key = Some(PrimaryKey {
        name: naming::primary_key("users"),
        columns: vec!["id".into()],
    });
    t
}

fn orders() -> Table {
    let mut t = Table::new("orders");
    t.columns = vec![
        Column::new("id", ColumnType::Uuid, false),
        Column::new("user_id", ColumnType::Uuid, false),
    ];
    t.primary_key = Some(PrimaryKey {
        name: naming::primary_key("orders"),
        columns: vec!["id".into()],
    });
    t
}

fn schema(tables: Vec<Table>, enums: Vec<EnumType>) -> Schema {
    Schema { tables, enums }.normalized()
}

#[test]
fn the_example_apps_first_revision() {
    let desired = registry::schema().expect("the shop's models");
    insta::assert_snapshot!(migration(&desired, &Schema::default()));
}

#[test]
fn adding_a_nullable_column() {
    let mut u = users();
    u.columns
        .push(Column::new("phone_number", ColumnType::varchar(20), true));
    insta::assert_snapshot!(migration(
        &schema(vec![u], vec![]),
        &schema(vec![users()], vec![])
    ));
}

#[test]
fn altering_columns() {
    let mut u = users();
    u.columns[1].column_type = ColumnType::varchar(50); // narrowed
    u.columns[2] = Column {
        default: Some("'0'".into()),
        ..Column::new("age", ColumnType::Text, false)
    }; // other family, NOT NULL
    u.columns
        .push(Column::new("score", ColumnType::BigInt, false)); // NOT NULL without default
    insta::assert_snapshot!(migration(
        &schema(vec![u], vec![]),
        &schema(vec![users()], vec![])
    ));
}

#[test]
fn constraints_on_an_existing_table() {
    let mut u = users();
    u.indexes.push(Index {
        name: "ix_users_email".into(),
        keys: vec![IndexKey::column("email")],
        unique: false,
        predicate: None,
        method: None,
    });
    u.indexes.push(Index {
        name: "ux_users_lower_email".into(),
        keys: vec![IndexKey::expression("lower((email)::text)")],
        unique: true,
        predicate: Some("age IS NOT NULL".into()),
        method: None,
    });
    u.uniques.push(UniqueConstraint {
        name: naming::unique("users", &["email"]),
        columns: vec!["email".into()],
    });
    u.checks.push(CheckConstraint {
        name: naming::check("users", "age"),
        expression: "age >= 0".into(),
    });
    u.comment = Some("People who sign in.".into());
    let mut o = orders();
    o.foreign_keys.push(ForeignKey {
        name: naming::foreign_key("orders", &["user_id"]),
        columns: vec!["user_id".into()],
        referenced_table: "users".into(),
        referenced_columns: vec!["id".into()],
        on_delete: ReferentialAction::Cascade,
        on_update: ReferentialAction::NoAction,
        deferrable: Default::default(),
    });
    insta::assert_snapshot!(migration(
        &schema(vec![u, o], vec![]),
        &schema(vec![users(), orders()], vec![])
    ));
}

#[test]
fn renames_from_the_models() {
    let mut members = users();
    members.name = "members".into();
    members.renamed_from = vec!["users".into()];
    members.primary_key = Some(PrimaryKey {
        name: naming::primary_key("members"),
        columns: vec!["id".into()],
    });
    members.columns[1].name = "email_address".into();
    members.columns[1].renamed_from = vec!["email".into()];
    insta::assert_snapshot!(migration(
        &schema(vec![members], vec![]),
        &schema(vec![users()], vec![])
    ));
}

fn status(labels: &[&str], default: &str) -> Schema {
    let mut o = orders();
    o.columns.push(Column {
        default: Some(default.into()),
        ..Column::new(
            "status",
            ColumnType::Enum {
                name: "order_status".into(),
            },
            false,
        )
    });
    schema(
        vec![o],
        vec![EnumType {
            name: "order_status".into(),
            labels: labels.iter().map(|l| l.to_string()).collect(),
        }],
    )
}

#[test]
fn an_enum_value_used_at_once_gets_its_own_revision() {
    insta::assert_snapshot!(migration(
        &status(&["pending", "paid", "refunded"], "'refunded'"),
        &status(&["pending", "paid"], "'pending'")
    ));
}

#[test]
fn removing_an_enum_value_rebuilds_the_type() {
    insta::assert_snapshot!(migration(
        &status(&["pending", "paid"], "'pending'"),
        &status(&["pending", "paid", "lost"], "'pending'")
    ));
}

#[test]
fn dropping_referenced_tables() {
    let mut o = orders();
    o.foreign_keys.push(ForeignKey {
        name: naming::foreign_key("orders", &["user_id"]),
        columns: vec!["user_id".into()],
        referenced_table: "users".into(),
        referenced_columns: vec!["id".into()],
        on_delete: ReferentialAction::Restrict,
        on_update: ReferentialAction::NoAction,
        deferrable: Default::default(),
    });
    insta::assert_snapshot!(migration(
        &Schema::default(),
        &schema(vec![users(), o], vec![])
    ));
}
