//! What users will see: the SQL autogenerate writes for representative
//! changes, both sections, warnings included (reviewed snapshots in
//! tests/snapshots/).

use forge::model::{
    naming, CheckConstraint, Column, ColumnType, Deferrable, EnumType, ForeignKey, Identity, Index,
    IndexKey, MatchType, NullsOrder, PrimaryKey, ReferentialAction, Schema, Sequence, Table,
    UniqueConstraint,
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
    Schema {
        tables,
        enums,
        ..Schema::default()
    }
    .normalized()
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
    u.indexes.push(Index::new(
        "ix_users_email",
        vec![IndexKey::column("email")],
    ));
    u.indexes.push(Index {
        unique: true,
        predicate: Some("age IS NOT NULL".into()),
        ..Index::new(
            "ux_users_lower_email",
            vec![IndexKey::expression("lower((email)::text)")],
        )
    });
    u.uniques.push(UniqueConstraint::new(
        naming::unique("users", &["email"]),
        &["email"],
    ));
    u.checks.push(CheckConstraint::new(
        naming::check("users", "age"),
        "age >= 0",
    ));
    u.comment = Some("People who sign in.".into());
    let mut o = orders();
    o.foreign_keys.push(ForeignKey {
        on_delete: ReferentialAction::Cascade,
        ..ForeignKey::new(
            naming::foreign_key("orders", &["user_id"]),
            &["user_id"],
            "users",
            &["id"],
        )
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
    schema(vec![o], vec![EnumType::new("order_status", labels)])
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
        on_delete: ReferentialAction::Restrict,
        ..ForeignKey::new(
            naming::foreign_key("orders", &["user_id"]),
            &["user_id"],
            "users",
            &["id"],
        )
    });
    insta::assert_snapshot!(migration(
        &Schema::default(),
        &schema(vec![users(), o], vec![])
    ));
}

/// A table in another schema using everything the model language says:
/// identity options, collation, a generated column, named constraints,
/// MATCH FULL and deferral, every index option.
fn invoices() -> Table {
    let mut t = Table::new("invoices");
    t.schema = Some("billing".into());
    t.columns = vec![
        Column {
            identity: Some(Identity::Always),
            sequence: Some(Sequence {
                start: Some(1000),
                increment: Some(10),
                ..Sequence::default()
            }),
            ..Column::new("id", ColumnType::BigInt, false)
        },
        Column {
            collation: Some("C".into()),
            ..Column::new("number", ColumnType::varchar(40), false)
        },
        Column::new("customer_id", ColumnType::Uuid, true),
        Column::new("qty", ColumnType::Integer, false),
        Column::new(
            "price",
            ColumnType::Numeric {
                precision: Some(10),
                scale: Some(2),
            },
            false,
        ),
        Column {
            generated: Some("qty * price".into()),
            ..Column::new(
                "total",
                ColumnType::Numeric {
                    precision: None,
                    scale: None,
                },
                true,
            )
        },
        Column {
            default: Some("(now() at time zone 'utc')::date".into()),
            ..Column::new("issued_on", ColumnType::Date, false)
        },
    ];
    t.primary_key = Some(PrimaryKey {
        name: naming::primary_key("invoices"),
        columns: vec!["id".into()],
    });
    t.uniques.push(UniqueConstraint {
        nulls_not_distinct: true,
        ..UniqueConstraint::new("invoices_number_key", &["customer_id", "number"])
    });
    t.foreign_keys.push(ForeignKey {
        on_delete: ReferentialAction::SetNull,
        deferrable: Deferrable::InitiallyDeferred,
        match_type: MatchType::Full,
        ..ForeignKey::new("invoices_customer", &["customer_id"], "users", &["id"])
    });
    t.checks.push(CheckConstraint::new(
        "invoices_sane",
        "(qty > 0 AND price >= 0) OR number LIKE 'VOID-%'",
    ));
    t.indexes.push(Index {
        include: vec!["total".into()],
        predicate: Some("total IS NOT NULL".into()),
        ..Index::new(
            "ix_invoices_recent",
            vec![
                IndexKey {
                    opclass: Some("varchar_pattern_ops".into()),
                    ..IndexKey::column("number")
                },
                IndexKey {
                    nulls: Some(NullsOrder::Last),
                    ..IndexKey::column("issued_on").desc()
                },
            ],
        )
    });
    t.indexes.push(Index {
        method: Some("brin".into()),
        ..Index::new(
            "ix_invoices_issued_brin",
            vec![IndexKey::column("issued_on")],
        )
    });
    t
}

#[test]
fn every_model_feature_in_another_schema() {
    insta::assert_snapshot!(migration(
        &schema(vec![users(), invoices()], vec![]),
        &schema(vec![users()], vec![])
    ));
}

#[test]
fn numbering_collation_and_generation_change() {
    let mut from = users();
    from.columns
        .push(Column::new("score", ColumnType::Integer, true));
    from.columns[0].column_type = ColumnType::Integer;
    from.columns[0].identity = Some(Identity::Serial);
    from.columns[0].sequence = Some(Sequence {
        name: Some("people_id_seq".into()),
        ..Sequence::default()
    });
    let mut to = users();
    to.columns.push(Column {
        generated: Some("age * 2".into()),
        ..Column::new("score", ColumnType::Integer, true)
    });
    to.columns[0].column_type = ColumnType::Integer;
    to.columns[0].identity = Some(Identity::ByDefault);
    to.columns[1].collation = Some("C".into());
    insta::assert_snapshot!(migration(
        &schema(vec![to], vec![]),
        &schema(vec![from], vec![])
    ));
}

#[test]
fn a_renamed_enum_label_and_a_renamed_serial_table() {
    let mut from = status(&["pending", "paid"], "'pending'");
    from.tables[0].columns[0] = Column {
        identity: Some(Identity::Serial),
        sequence: Some(Sequence {
            name: Some("orders_id_seq".into()),
            ..Sequence::default()
        }),
        ..Column::new("id", ColumnType::BigInt, false)
    };
    let mut to = status(&["pending", "settled"], "'pending'");
    to.enums[0].renamed_labels = vec![("paid".into(), "settled".into())];
    to.tables[0].columns[0] = Column {
        identity: Some(Identity::Serial),
        ..Column::new("id", ColumnType::BigInt, false)
    };
    to.tables[0].name = "purchases".into();
    to.tables[0].renamed_from = vec!["orders".into()];
    to.tables[0].primary_key.as_mut().unwrap().name = naming::primary_key("purchases");
    insta::assert_snapshot!(migration(&to, &from));
}
