//! The diff, as a list of specifications: desired and live schema in, the
//! changes (by their one-line summary) out.

use super::*;
use crate::model::{
    naming, CheckConstraint, EnumType, ForeignKey, Identity, Index, IndexKey, MatchType,
    PrimaryKey, ReferentialAction, Sequence, UniqueConstraint,
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
    ForeignKey::new(
        naming::foreign_key(table, &[column]),
        &[column],
        target,
        &["id"],
    )
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
        ..Schema::default()
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
fn defaults_are_the_same_when_the_server_prints_them_the_same() {
    let mut d = users();
    d.columns[1].default = Some("lower('A')".into());
    let mut l = users();
    l.columns[1].default = Some("lower('A'::text)".into());
    // Text alone cannot tell: a cast may change meaning.
    assert_eq!(
        lines(&diff(&schema(vec![d.clone()]), &schema(vec![l.clone()]))),
        ["~ column users.email: default lower('A'::text) -> lower('A')"]
    );
    // The server printed the model's default as the live one.
    let settled = schema(vec![l.clone()]);
    assert!(diff_settled(&schema(vec![d.clone()]), &schema(vec![l.clone()]), &settled).is_empty());
    // A literal is converted to the column's type: its cast needs no server;
    // nor do letter case, spacing and enclosing parentheses.
    d.columns[1].default = Some("'a'".into());
    l.columns[1].default = Some("'a'::character varying".into());
    assert!(diff(&schema(vec![d.clone()]), &schema(vec![l.clone()])).is_empty());
    d.columns[1].default = Some("( LOWER('A'::TEXT) )".into());
    l.columns[1].default = Some("lower('A'::text)".into());
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
fn serial_and_identity_are_told_apart_and_sequences_follow_the_table() {
    let mut serial = table("t", vec![col("id", ColumnType::Integer)]);
    serial.columns[0].identity = Some(Identity::Serial);
    let mut identity = serial.clone();
    identity.columns[0].identity = Some(Identity::ByDefault);
    // Serial to identity: the serial's default and sequence go, the identity comes.
    check(
        &schema(vec![identity.clone()]),
        &schema(vec![serial.clone()]),
        &[
            "~ column t.id: identity serial -> none",
            "~ column t.id: identity none -> by default",
        ],
    );
    // Options of an identity, and a sequence left under an old table name.
    let mut live = identity.clone();
    live.columns[0].sequence = Some(Sequence {
        name: Some("old_id_seq".into()),
        ..Sequence::default()
    });
    let mut desired = identity.clone();
    desired.columns[0].sequence = Some(Sequence {
        start: Some(100),
        increment: Some(1),
        ..Sequence::default()
    });
    check(
        &schema(vec![desired]),
        &schema(vec![live.clone()]),
        &[
            "~ column t.id: identity options",
            "~ sequence old_id_seq -> t_id_seq (rename)",
        ],
    );
    // Explicit defaults are no options at all.
    let mut defaults = identity;
    defaults.columns[0].sequence = Some(Sequence {
        start: Some(1),
        min_value: Some(1),
        max_value: Some(i32::MAX as i64),
        ..Sequence::default()
    });
    live.columns[0].sequence = Some(Sequence {
        name: Some("t_id_seq".into()),
        ..Sequence::default()
    });
    assert!(diff(&schema(vec![defaults]), &schema(vec![live])).is_empty());
}

#[test]
fn a_column_that_becomes_generated_is_recreated_with_what_uses_it() {
    let mut l = table(
        "t",
        vec![
            col("id", ColumnType::Uuid),
            col("qty", ColumnType::Integer),
            col("total", ColumnType::Integer),
        ],
    );
    l.indexes
        .push(Index::new("ix_t_total", vec![IndexKey::column("total")]));
    l.checks
        .push(CheckConstraint::new("t_total_check", "total >= 0"));
    let mut d = l.clone();
    d.columns[2].generated = Some("qty * 2".into());
    check(
        &schema(vec![d.clone()]),
        &schema(vec![l.clone()]),
        &[
            "- check t_total_check",
            "- index ix_t_total",
            "~ column t.total: generated none -> qty * 2",
            "+ index ix_t_total on t",
            "+ check t_total_check on t",
        ],
    );
    // Back to a plain column: the inverse, in the same shape.
    check(
        &schema(vec![l]),
        &schema(vec![d]),
        &[
            "- check t_total_check",
            "- index ix_t_total",
            "~ column t.total: generated qty * 2 -> none",
            "+ index ix_t_total on t",
            "+ check t_total_check on t",
        ],
    );
}

#[test]
fn collation_changes_travel_with_the_type() {
    let l = table(
        "t",
        vec![col("id", ColumnType::Uuid), col("code", ColumnType::Text)],
    );
    let mut d = l.clone();
    d.columns[1].collation = Some("C".into());
    check(
        &schema(vec![d]),
        &schema(vec![l]),
        &["~ column t.code: text -> text collate C"],
    );
}

#[test]
fn foreign_key_options_and_names_are_part_of_the_key() {
    let mut d = orders();
    d.foreign_keys[0].match_type = MatchType::Full;
    check(
        &schema(vec![users(), d]),
        &schema(vec![users(), orders()]),
        &[
            "- foreign key orders_user_id_fkey",
            "+ foreign key orders_user_id_fkey on orders -> users",
        ],
    );
    // A named key is the same key under another name: renamed.
    let mut named = orders();
    named.foreign_keys[0].name = "orders_owner".into();
    check(
        &schema(vec![users(), named]),
        &schema(vec![users(), orders()]),
        &["~ constraint orders_user_id_fkey -> orders_owner on orders (rename)"],
    );
}

#[test]
fn tables_of_another_schema_come_with_their_schema() {
    let mut invoices = table("invoices", vec![col("id", ColumnType::Uuid)]);
    invoices.schema = Some("billing".into());
    let mut o = orders();
    o.foreign_keys[0].referenced_schema = Some("billing".into());
    o.foreign_keys[0].referenced_table = "invoices".into();
    let desired = schema(vec![invoices, o]);
    check(
        &desired,
        &Schema::default(),
        &[
            "+ schema billing",
            "+ table billing.invoices",
            "+ table orders",
        ],
    );
    // A table of the same name in the default schema is another table.
    let mut local = table("invoices", vec![col("id", ColumnType::Uuid)]);
    local.comment = Some("local".into());
    let mut with_local = desired.clone();
    with_local.tables.push(local);
    with_local.normalize();
    check(&with_local, &desired, &["+ table invoices"]);
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
    l.indexes.push(Index::new(
        "ix_users_email",
        vec![IndexKey::column("email")],
    ));
    let mut d = users();
    d.columns[1].name = "email_address".into();
    d.columns[1].renamed_from = vec!["email".into()];
    d.indexes.push(Index::new(
        "ix_users_email_address",
        vec![IndexKey::column("email_address")],
    ));
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
        predicate: Some("email IS NOT NULL".into()),
        ..Index::new("ix_users_email", vec![IndexKey::column("email")])
    });
    d.uniques
        .push(UniqueConstraint::new("users_email_key", &["email"]));
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
fn a_changed_check_is_dropped_and_added_and_server_rewrites_compare_equal() {
    let with = |e: &str| {
        let mut t = users();
        t.checks.push(CheckConstraint::new("users_email_check", e));
        t
    };
    let printed = schema(vec![with("char_length((email)::text) > 3")]);
    assert!(diff_settled(
        &schema(vec![with("char_length(email) > 3")]),
        &printed,
        &printed
    )
    .is_empty());
    // Never equal by dropping parentheses: precedence is meaning.
    assert_eq!(
        diff(
            &schema(vec![with("(a AND b) OR c")]),
            &schema(vec![with("a AND (b OR c)")])
        )
        .len(),
        2
    );
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
    EnumType::new("status", labels)
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
        ..Schema::default()
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
                    table: TableName::bare("t"),
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
fn a_renamed_label_is_renamed_in_place() {
    let mut desired = with_status(&["a", "closed"]);
    desired.enums[0].renamed_labels = vec![("b".into(), "closed".into())];
    check(
        &desired,
        &with_status(&["a", "b"]),
        &["~ enum value status.b -> status.closed (rename)"],
    );
    // Once renamed, the note is spent.
    assert!(diff(&desired, &with_status(&["a", "closed"])).is_empty());
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
