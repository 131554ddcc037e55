//! The diff, as a list of specifications: desired and live schema in, the
//! changes (by their one-line summary) out.

use super::*;
use crate::model::{
    naming, CheckConstraint, EnumType, ForeignKey, Identity, Index, IndexKey, PrimaryKey,
    ReferentialAction, UniqueConstraint,
};

fn col(name: &str, t: ColumnType) -> Column {
    Column::new(name, t, false)
}

fn table(name: &str, columns: Vec<Column>) -> Table {
    let mut t = Table::new(name);
    t.columns = columns;
    t.primary_key = Some(PrimaryKey {
        name: naming::primary_key(name),
        columns: vec!["id".into()],
    });
    t
}

fn users() -> Table {
    table(
        "users",
        vec![
            col("id", ColumnType::Uuid),
            col("email", ColumnType::varchar(100)),
        ],
    )
}

fn fk(table: &str, column: &str, target: &str) -> ForeignKey {
    ForeignKey {
        name: naming::foreign_key(table, &[column]),
        columns: vec![column.into()],
        referenced_table: target.into(),
        referenced_columns: vec!["id".into()],
        on_delete: ReferentialAction::NoAction,
        on_update: ReferentialAction::NoAction,
        deferrable: Default::default(),
    }
}

fn orders() -> Table {
    let mut t = table(
        "orders",
        vec![
            col("id", ColumnType::Uuid),
            col("user_id", ColumnType::Uuid),
        ],
    );
    t.foreign_keys.push(fk("orders", "user_id", "users"));
    t
}

fn schema(tables: Vec<Table>) -> Schema {
    Schema {
        tables,
        enums: vec![],
    }
    .normalized()
}

fn lines(changes: &[Change]) -> Vec<String> {
    changes.iter().map(|c| c.to_string()).collect()
}

fn check(desired: &Schema, live: &Schema, expected: &[&str]) {
    let changes = diff(desired, live);
    assert_eq!(lines(&changes), expected, "{changes:#?}");
    // Nothing changes once in sync, and the inverse list goes back.
    assert!(diff(desired, desired).is_empty());
}

#[test]
fn identical_schemas_have_no_changes() {
    let s = schema(vec![users(), orders()]);
    assert!(diff(&s, &s).is_empty());
}

#[test]
fn a_new_table_is_created_after_the_tables_it_references() {
    check(
        &schema(vec![users(), orders()]),
        &Schema::default(),
        &["+ table users", "+ table orders"],
    );
}

#[test]
fn a_dropped_table_goes_after_the_tables_referencing_it() {
    check(
        &Schema::default(),
        &schema(vec![users(), orders()]),
        &["- table orders", "- table users"],
    );
}

#[test]
fn a_reference_cycle_is_closed_with_a_foreign_key_after_the_creates() {
    let mut a = table(
        "a",
        vec![col("id", ColumnType::Uuid), col("b_id", ColumnType::Uuid)],
    );
    a.foreign_keys.push(fk("a", "b_id", "b"));
    let mut b = table(
        "b",
        vec![col("id", ColumnType::Uuid), col("a_id", ColumnType::Uuid)],
    );
    b.foreign_keys.push(fk("b", "a_id", "a"));
    let desired = schema(vec![a, b]);
    check(
        &desired,
        &Schema::default(),
        &[
            "+ table a",
            "+ table b",
            "+ foreign key a_b_id_fkey on a -> b",
        ],
    );
    check(
        &Schema::default(),
        &desired,
        &["- foreign key a_b_id_fkey", "- table b", "- table a"],
    );
}

#[test]
fn a_self_reference_stays_inline() {
    let mut c = table(
        "categories",
        vec![
            col("id", ColumnType::Uuid),
            Column::new("parent_id", ColumnType::Uuid, true),
        ],
    );
    c.foreign_keys
        .push(fk("categories", "parent_id", "categories"));
    let changes = diff(&schema(vec![c]), &Schema::default());
    assert_eq!(lines(&changes), ["+ table categories"]);
}

#[test]
fn columns_are_added_dropped_and_altered() {
    let live = schema(vec![users()]);
    let mut u = users();
    u.columns[1].column_type = ColumnType::varchar(255);
    u.columns[1].nullable = true;
    u.columns[1].default = Some("'x'::character varying".into());
    u.columns
        .push(Column::new("phone", ColumnType::varchar(20), true));
    check(
        &schema(vec![u.clone()]),
        &live,
        &[
            "~ column users.email: varchar(100) -> varchar(255)",
            "~ column users.email: NOT NULL -> NULL",
            "~ column users.email: default none -> 'x'::character varying",
            "+ column users.phone: varchar(20)",
        ],
    );
    check(
        &live,
        &schema(vec![u]),
        &[
            "- column users.phone",
            "~ column users.email: varchar(255) -> varchar(100)",
            "~ column users.email: NULL -> NOT NULL",
            "~ column users.email: default 'x'::character varying -> none",
        ],
    );
}

#[test]
fn equal_defaults_in_different_spellings_are_no_change() {
    let mut d = users();
    d.columns[1].default = Some("'a'".into());
    let mut l = users();
    l.columns[1].default = Some("'a'::character varying".into());
    assert!(diff(&schema(vec![d]), &schema(vec![l])).is_empty());
}

#[test]
fn a_type_change_across_families_sets_the_default_aside() {
    let mut l = users();
    l.columns[1] = Column {
        default: Some("'1'".into()),
        ..col("email", ColumnType::Text)
    };
    let mut d = users();
    d.columns[1] = Column {
        default: Some("1".into()),
        ..col("email", ColumnType::Integer)
    };
    check(
        &schema(vec![d]),
        &schema(vec![l]),
        &[
            "~ column users.email: default '1' -> none",
            "~ column users.email: text -> integer",
            "~ column users.email: default none -> 1",
        ],
    );
}

#[test]
fn identity_is_added_changed_and_removed() {
    let mut d = table("t", vec![col("id", ColumnType::BigInt)]);
    let l = d.clone();
    d.columns[0].identity = Some(Identity::Always);
    check(
        &schema(vec![d.clone()]),
        &schema(vec![l.clone()]),
        &["~ column t.id: identity none -> always"],
    );
    let mut by_default = d.clone();
    by_default.columns[0].identity = Some(Identity::ByDefault);
    check(
        &schema(vec![by_default]),
        &schema(vec![d.clone()]),
        &["~ column t.id: identity always -> by default"],
    );
    check(
        &schema(vec![l]),
        &schema(vec![d]),
        &["~ column t.id: identity always -> none"],
    );
}

#[test]
fn renamed_from_renames_a_table_and_its_constraints() {
    let mut members = users();
    members.name = "members".into();
    members.renamed_from = vec!["users".into()];
    members.primary_key = Some(PrimaryKey {
        name: "members_pkey".into(),
        columns: vec!["id".into()],
    });
    check(
        &schema(vec![members]),
        &schema(vec![users()]),
        &[
            "~ table users -> members (rename)",
            "~ constraint users_pkey -> members_pkey on members (rename)",
        ],
    );
}

#[test]
fn renamed_from_renames_a_column_and_its_index() {
    let mut l = users();
    l.indexes.push(Index {
        name: "ix_users_email".into(),
        keys: vec![IndexKey::column("email")],
        unique: false,
        predicate: None,
        method: None,
    });
    let mut d = users();
    d.columns[1].name = "email_address".into();
    d.columns[1].renamed_from = vec!["email".into()];
    d.indexes.push(Index {
        name: "ix_users_email_address".into(),
        keys: vec![IndexKey::column("email_address")],
        unique: false,
        predicate: None,
        method: None,
    });
    check(
        &schema(vec![d]),
        &schema(vec![l]),
        &[
            "~ column users.email -> users.email_address (rename)",
            "~ index ix_users_email -> ix_users_email_address (rename)",
        ],
    );
}

#[test]
fn renamed_from_is_ignored_when_the_new_name_exists_or_the_old_is_gone() {
    let mut d = users();
    d.columns[1].renamed_from = vec!["mail".into()];
    assert!(diff(&schema(vec![d.clone()]), &schema(vec![users()])).is_empty());
    d.columns[1].name = "address".into();
    d.columns[1].renamed_from = vec!["gone".into()];
    check(
        &schema(vec![d]),
        &schema(vec![users()]),
        &[
            "- column users.email",
            "+ column users.address: varchar(100)",
        ],
    );
}

#[test]
fn indexes_and_uniques_are_created_and_dropped() {
    let mut d = users();
    d.indexes.push(Index {
        name: "ix_users_email".into(),
        keys: vec![IndexKey::column("email")],
        unique: false,
        predicate: Some("email IS NOT NULL".into()),
        method: None,
    });
    d.uniques.push(UniqueConstraint {
        name: "users_email_key".into(),
        columns: vec!["email".into()],
    });
    check(
        &schema(vec![d.clone()]),
        &schema(vec![users()]),
        &[
            "+ unique users_email_key on users",
            "+ index ix_users_email on users",
        ],
    );
    check(
        &schema(vec![users()]),
        &schema(vec![d.clone()]),
        &["- index ix_users_email", "- unique users_email_key"],
    );
    // The predicate as PostgreSQL reports it is the same index.
    let mut l = d.clone();
    l.indexes[0].predicate = Some("(email IS NOT NULL)".into());
    l.indexes[0].method = Some("btree".into());
    assert!(diff(&schema(vec![d]), &schema(vec![l])).is_empty());
}

#[test]
fn a_changed_check_is_dropped_and_added_and_rewrites_compare_equal() {
    let with = |e: &str| {
        let mut t = users();
        t.checks.push(CheckConstraint {
            name: "users_email_check".into(),
            expression: e.into(),
        });
        t
    };
    assert!(diff(
        &schema(vec![with("char_length(email) > 3")]),
        &schema(vec![with("(char_length((email)::text) > 3)")])
    )
    .is_empty());
    check(
        &schema(vec![with("char_length(email) > 5")]),
        &schema(vec![with("char_length(email) > 3")]),
        &[
            "- check users_email_check",
            "+ check users_email_check on users",
        ],
    );
}

#[test]
fn a_changed_foreign_key_is_dropped_first_and_added_last() {
    let mut d = orders();
    d.foreign_keys[0].on_delete = ReferentialAction::Cascade;
    d.columns.push(Column::new("note", ColumnType::Text, true));
    check(
        &schema(vec![users(), d]),
        &schema(vec![users(), orders()]),
        &[
            "- foreign key orders_user_id_fkey",
            "+ column orders.note: text",
            "+ foreign key orders_user_id_fkey on orders -> users",
        ],
    );
}

#[test]
fn dropping_a_referenced_table_drops_the_foreign_keys_to_it_first() {
    let mut o = orders();
    o.foreign_keys.clear();
    o.columns.pop();
    check(
        &schema(vec![o]),
        &schema(vec![users(), orders()]),
        &[
            "- foreign key orders_user_id_fkey",
            "- table users",
            "- column orders.user_id",
        ],
    );
}

#[test]
fn comments_change() {
    let mut d = users();
    d.comment = Some("People.".into());
    d.columns[1].comment = Some("Sign-in address.".into());
    check(
        &schema(vec![d.clone()]),
        &schema(vec![users()]),
        &[
            "~ comment on column users.email",
            "~ comment on table users",
        ],
    );
    let mut empty = users();
    empty.comment = Some(String::new());
    assert!(diff(&schema(vec![empty]), &schema(vec![users()])).is_empty());
}

fn status(labels: &[&str]) -> EnumType {
    EnumType {
        name: "status".into(),
        labels: labels.iter().map(|l| l.to_string()).collect(),
    }
}

fn with_status(labels: &[&str]) -> Schema {
    let t = table(
        "t",
        vec![
            col("id", ColumnType::Uuid),
            Column {
                default: Some("'a'".into()),
                ..col(
                    "s",
                    ColumnType::Enum {
                        name: "status".into(),
                    },
                )
            },
        ],
    );
    Schema {
        tables: vec![t],
        enums: vec![status(labels)],
    }
}

#[test]
fn an_enum_is_created_before_the_table_using_it_and_dropped_after() {
    check(
        &with_status(&["a", "b"]),
        &Schema::default(),
        &["+ enum status (a, b)", "+ table t"],
    );
    check(
        &Schema::default(),
        &with_status(&["a", "b"]),
        &["- table t", "- enum status"],
    );
}

#[test]
fn enum_values_are_appended_or_inserted_in_place() {
    let changes = diff(
        &with_status(&["z", "a", "m", "b", "c"]),
        &with_status(&["a", "b"]),
    );
    assert_eq!(
        lines(&changes),
        [
            "+ enum value status.z",
            "+ enum value status.m",
            "+ enum value status.c"
        ]
    );
    let positions: Vec<_> = changes
        .iter()
        .map(|c| match c {
            Change::AddEnumValue { position, .. } => position.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        positions,
        [
            EnumValuePosition::Before("a".into()),
            EnumValuePosition::After("a".into()),
            EnumValuePosition::End
        ]
    );
    // Undoing an added value rebuilds the type with the labels it had.
    match changes[2].inverse() {
        Change::RecreateEnum {
            from, to, columns, ..
        } => {
            assert_eq!(from, ["z", "a", "m", "b", "c"]);
            assert_eq!(to, ["z", "a", "m", "b"]);
            assert_eq!(
                columns,
                [EnumColumn {
                    table: "t".into(),
                    column: "s".into(),
                    array: false,
                    default: Some("'a'".into())
                }]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn removing_or_reordering_enum_labels_rebuilds_the_type() {
    check(
        &with_status(&["a"]),
        &with_status(&["a", "b"]),
        &["~ enum status: (a, b) -> (a) (rebuilt)"],
    );
    check(
        &with_status(&["b", "a"]),
        &with_status(&["a", "b"]),
        &["~ enum status: (a, b) -> (b, a) (rebuilt)"],
    );
}

#[test]
fn every_change_inverts_back_to_itself() {
    let desired = schema(vec![users(), orders()]);
    for change in diff(&desired, &Schema::default())
        .iter()
        .chain(&diff(&Schema::default(), &desired))
    {
        assert_eq!(&change.inverse().inverse(), change);
    }
    // An added value is undone by a rebuild, whose inverse rebuilds it again.
    for change in diff(&with_status(&["a", "b", "c"]), &with_status(&["a", "c"])) {
        assert!(
            matches!(change.inverse().inverse(), Change::RecreateEnum { ref to, .. } if to == &["a", "b", "c"])
        );
    }
}
