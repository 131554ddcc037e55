//! What `#[derive(EntityTable)]` and `#[derive(PgEnum)]` produce at run time:
//! the definitions and tables the registry and the diff work from.
#![allow(dead_code)]

use forge::entity::EntityDefinition;
use forge::model::{
    CheckConstraint, ColumnType, Deferrable, EnumType, Identity, Index, IndexKey, MatchType,
    NullsOrder, ReferentialAction, Sequence, UniqueConstraint,
};
use forge::registry::{build_schema, entities, RegisteredEntity};
use forge::{EntityBase, EntityFields, EntityTable, PgEnum, SqlType};

/// Where a ticket is in its life.
#[derive(PgEnum)]
#[forge(name = "ticket_state")]
enum TicketState {
    Open,
    InProgress,
    #[forge(rename = "done")]
    Closed,
}

#[derive(PgEnum)]
enum HTTPMethod {
    Get,
    Post,
}

/// An account
///   that owns tickets.
#[derive(EntityTable)]
#[forge(schema = "support", renamed_from = "accounts_old")]
struct AccountTable {
    #[forge(primary_key, identity = "always")]
    id: i64,
    #[forge(max_length = 320, unique)]
    email: String,
}

#[derive(EntityTable)]
#[forge(
    table = "support_tickets",
    index(state, account),
    unique(account_id, number, name = "tickets_account_number_key")
)]
struct TicketTable {
    /// Title shown in lists.
    ///    Trimmed.
    #[forge(max_length = 200)]
    title: String,
    #[forge(flatten)]
    base: EntityBase,
    #[forge(column = "account_id", references = AccountTable, on_delete = "cascade", on_update = "SET_NULL")]
    account: i64,
    #[forge(references = AccountTable(id))]
    reviewer_id: Option<i64>,
    #[forge(ge = 1, lt = 1000)]
    number: i32,
    #[forge(column = "Score")]
    #[forge(gt = -0.5, check = "\"Score\" < 100")]
    score: f64,
    state: TicketState,
    #[forge(sql_type = "inet")]
    origin: Option<std::net::IpAddr>,
    #[forge(default = "'{}'", renamed_from = "meta")]
    attributes: serde_json::Value,
    #[forge(skip)]
    cache: Vec<String>,
    #[forge(index)]
    r#type: Option<String>,
    #[forge(le = 10)]
    order: i16,
}

/// A composite primary key declared on the struct.
#[derive(EntityTable)]
#[forge(primary_key(account, tag))]
struct AccountTagTable {
    #[forge(column = "account_id", references = AccountTable)]
    account: i64,
    #[forge(max_length = 50)]
    tag: String,
    #[forge(identity)]
    position: i32,
}

/// A struct-level key replaces the key of a flattened group.
#[derive(EntityTable)]
#[forge(primary_key(tenant, slug))]
struct TenantPageTable {
    #[forge(flatten)]
    base: EntityBase,
    tenant: i64,
    #[forge(max_length = 80)]
    slug: String,
}

/// How urgent an invoice is; `medium` was called `normal` once.
#[derive(PgEnum)]
#[forge(name = "invoice_priority")]
enum Priority {
    Low,
    #[forge(renamed_from = "normal")]
    Medium,
    High,
}

/// Every part of the model language on one table.
#[derive(EntityTable)]
#[forge(
    table = "invoices",
    schema = "billing",
    index(
        "lower(number) text_pattern_ops",
        "issued_at DESC NULLS LAST",
        name = "ix_invoices_number_recent"
    ),
    index(
        customer_id,
        include(total),
        where = "paid_at IS NULL",
        name = "ix_invoices_open"
    ),
    index(tags, method = "gin"),
    index("(total * 2)", unique, nulls_not_distinct),
    unique(
        customer_id,
        number,
        nulls_not_distinct,
        name = "invoices_customer_number_key"
    ),
    check(
        name = "invoices_paid_after_issue",
        expr = "paid_at IS NULL OR paid_at >= issued_at"
    )
)]
struct InvoiceTable {
    #[forge(primary_key, identity(always, start = 1000, increment = 10, cache = 5))]
    id: i64,
    #[forge(sql_type = "character varying(40)", collation = "C")]
    number: String,
    #[forge(
        references = AccountTable,
        fk_name = "invoices_customer",
        on_delete = "restrict",
        deferrable = "initially deferred",
        match = "full"
    )]
    customer_id: Option<i64>,
    #[forge(precision = 3)]
    issued_at: chrono::DateTime<chrono::Utc>,
    paid_at: Option<chrono::NaiveDateTime>,
    #[forge(
        sql_type = "numeric(12, 2)",
        check(name = "invoices_total_positive", expr = "total > 0")
    )]
    total: f64,
    #[forge(sql_type = "numeric(12,2)", generated = "total * 0.2")]
    tax: Option<f64>,
    tags: Vec<String>,
    #[forge(
        index(desc, nulls_last, name = "ix_invoices_priority"),
        unique(name = "invoices_priority_key", nulls_not_distinct)
    )]
    priority: Priority,
    #[forge(
        sql_type = "timestamp(0) without time zone",
        index(where = "reminded_at IS NOT NULL")
    )]
    reminded_at: Option<chrono::NaiveDateTime>,
}

/// Serial columns, declared as a type or as a flag.
#[derive(EntityTable)]
#[forge(table = "legacy_rows")]
struct LegacyRowTable {
    #[forge(primary_key, sql_type = "bigserial")]
    id: i64,
    #[forge(serial)]
    position: i32,
    #[forge(sql_type = "int4")]
    count: i32,
}

/// What an existing database holds that models can say too.
#[derive(EntityTable)]
#[forge(
    table = "readings",
    partition_by = "RANGE (taken_on)",
    primary_key(sensor, taken_on),
    index(
        "label COLLATE \"C\" text_pattern_ops DESC",
        name = "ix_readings_label"
    ),
    unique(
        sensor,
        label,
        taken_on,
        include(value),
        deferrable = "initially deferred"
    )
)]
struct ReadingTable {
    sensor: i32,
    taken_on: chrono::NaiveDate,
    #[forge(unique(include(value), deferrable))]
    label: String,
    value: f64,
}

fn ours() -> Vec<RegisteredEntity> {
    entities()
        .into_iter()
        .filter(|e| e.module_path == module_path!())
        .collect()
}

#[test]
fn table_names_default_to_the_struct_name_without_table() {
    assert_eq!(AccountTable::TABLE_NAME, "account");
    assert_eq!(AccountTagTable::TABLE_NAME, "account_tag");
    assert_eq!(TicketTable::TABLE_NAME, "support_tickets");
}

#[test]
fn table_level_attributes_reach_the_definition() {
    let account = AccountTable::definition();
    assert_eq!(account.table, "account");
    assert_eq!(account.schema.as_deref(), Some("support"));
    assert_eq!(
        account.comment.as_deref(),
        Some("An account\nthat owns tickets.")
    );
    assert_eq!(account.renamed_from, vec!["accounts_old".to_string()]);
    assert_eq!(TicketTable::definition().comment, None);
}

#[test]
fn columns_come_in_field_order_with_flattened_groups_spliced_in() {
    let names: Vec<String> = TicketTable::columns().into_iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "title",
            "id",
            "created_at",
            "updated_at",
            "account_id",
            "reviewer_id",
            "number",
            "Score",
            "state",
            "origin",
            "attributes",
            "type",
            "order"
        ]
    );
    assert_eq!(TicketTable::columns()[1..4], EntityBase::columns()[..]);
}

#[test]
fn column_attributes_become_types_constraints_and_comments() {
    let def = TicketTable::definition();
    let col = |name: &str| def.columns.iter().find(|c| c.name == name).unwrap().clone();

    let title = col("title");
    assert_eq!(title.column_type, ColumnType::Varchar { length: Some(200) });
    assert!(!title.nullable);
    assert_eq!(
        title.comment.as_deref(),
        Some("Title shown in lists.\nTrimmed.")
    );

    let account = col("account_id");
    assert_eq!(account.column_type, ColumnType::BigInt);
    let reference = account.references.unwrap();
    assert_eq!(reference.table, "account");
    assert!(reference.columns.is_empty());
    assert_eq!(reference.on_delete, ReferentialAction::Cascade);
    assert_eq!(reference.on_update, ReferentialAction::SetNull);

    let reviewer = col("reviewer_id");
    assert!(reviewer.nullable);
    let reference = reviewer.references.unwrap();
    assert_eq!(reference.columns, ["id"]);
    assert_eq!(reference.on_delete, ReferentialAction::NoAction);

    assert_eq!(col("number").checks, ["number >= 1", "number < 1000"]);
    assert_eq!(col("Score").checks, ["\"Score\" > -0.5", "\"Score\" < 100"]);
    assert_eq!(col("order").checks, ["\"order\" <= 10"]);

    let state = col("state");
    assert_eq!(
        state.column_type,
        ColumnType::Enum {
            name: "ticket_state".into()
        }
    );
    assert_eq!(
        state.enum_type,
        Some(EnumType::new(
            "ticket_state",
            &["open", "in_progress", "done"]
        ))
    );

    let origin = col("origin");
    assert_eq!(
        origin.column_type,
        ColumnType::Custom { sql: "inet".into() }
    );
    assert!(origin.nullable);

    let attributes = col("attributes");
    assert_eq!(attributes.column_type, ColumnType::Jsonb);
    assert_eq!(attributes.default.as_deref(), Some("'{}'"));
    assert_eq!(attributes.renamed_from, ["meta"]);

    let kind = col("type");
    assert!(kind.index.is_some() && kind.nullable && kind.unique.is_none());

    let email = AccountTable::columns()
        .into_iter()
        .find(|c| c.name == "email")
        .unwrap();
    assert!(email.unique.is_some());
    let id = AccountTable::columns()
        .into_iter()
        .find(|c| c.name == "id")
        .unwrap();
    assert!(id.primary_key);
    assert_eq!(id.identity, Some(Identity::Always));
}

#[test]
fn composite_indexes_name_columns_not_fields() {
    let def: EntityDefinition = TicketTable::definition();
    assert_eq!(def.indexes.len(), 1);
    assert_eq!(
        def.indexes[0].keys,
        [IndexKey::column("state"), IndexKey::column("account_id")]
    );
    assert!(!def.indexes[0].unique);
    assert_eq!(def.indexes[0].name, None);
    assert_eq!(def.uniques.len(), 1);
    assert_eq!(def.uniques[0].columns, ["account_id", "number"]);
    assert_eq!(
        def.uniques[0].name.as_deref(),
        Some("tickets_account_number_key")
    );
}

#[test]
fn a_struct_level_primary_key_marks_every_listed_column() {
    let columns = AccountTagTable::columns();
    let key: Vec<&str> = columns
        .iter()
        .filter(|c| c.primary_key)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(key, ["account_id", "tag"]);
    assert_eq!(columns[2].identity, Some(Identity::ByDefault));
    let table = AccountTagTable::definition().to_table();
    assert_eq!(table.primary_key.unwrap().columns, ["account_id", "tag"]);
    let table = TenantPageTable::definition().to_table();
    assert_eq!(table.primary_key.unwrap().columns, ["tenant", "slug"]);
    assert_eq!(table.columns.len(), 5);
}

#[test]
fn the_table_carries_named_constraints() {
    let table = TicketTable::definition().to_table();
    assert_eq!(table.primary_key.as_ref().unwrap().columns, ["id"]);
    let checks: Vec<(&str, &str)> = table
        .checks
        .iter()
        .map(|c| (c.name.as_str(), c.expression.as_str()))
        .collect();
    assert_eq!(
        checks,
        [
            (
                "support_tickets_Score_check",
                "(\"Score\" > -0.5) AND (\"Score\" < 100)"
            ),
            (
                "support_tickets_number_check",
                "(number >= 1) AND (number < 1000)"
            ),
            ("support_tickets_order_check", "\"order\" <= 10"),
        ]
    );
    let fks: Vec<&str> = table.foreign_keys.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        fks,
        [
            "support_tickets_account_id_fkey",
            "support_tickets_reviewer_id_fkey"
        ]
    );
    assert!(table
        .indexes
        .iter()
        .any(|i| i.name == "ix_support_tickets_type"));
    assert!(table
        .indexes
        .iter()
        .any(|i| i.name == "ix_support_tickets_state_account_id"));
    assert!(table
        .uniques
        .iter()
        .any(|u| u.name == "tickets_account_number_key"));
}

#[test]
fn pg_enums_name_their_type_and_labels() {
    assert_eq!(TicketState::TYPE_NAME, "ticket_state");
    assert_eq!(TicketState::LABELS, ["open", "in_progress", "done"]);
    assert_eq!(
        <TicketState as SqlType>::column_type(),
        ColumnType::Enum {
            name: "ticket_state".into()
        }
    );
    assert_eq!(HTTPMethod::TYPE_NAME, "http_method");
    assert_eq!(HTTPMethod::LABELS, ["get", "post"]);
    assert!(!<Option<TicketState> as SqlType>::enum_type()
        .unwrap()
        .labels
        .is_empty());
}

#[test]
fn every_derived_entity_registers_itself_with_its_source() {
    let ours = ours();
    let names: Vec<&str> = ours.iter().map(|e| e.rust_name).collect();
    assert_eq!(
        names,
        [
            "AccountTable",
            "AccountTagTable",
            "InvoiceTable",
            "LegacyRowTable",
            "ReadingTable",
            "TicketTable",
            "TenantPageTable"
        ]
    );
    assert!(
        ours.iter()
            .all(|e| e.source_file.ends_with("derive_runtime.rs")),
        "{:?}",
        ours[0].source_file
    );
}

#[test]
fn the_registry_resolves_references_to_the_target_primary_key() {
    let schema = build_schema(&ours()).unwrap();
    let tickets = schema.table("support_tickets").unwrap();
    let fk = tickets
        .foreign_keys
        .iter()
        .find(|f| f.columns == ["account_id"])
        .unwrap();
    assert_eq!(fk.referenced_table, "account");
    // `AccountTable` lives in schema `support`: the key says so.
    assert_eq!(fk.referenced_schema.as_deref(), Some("support"));
    assert_eq!(fk.referenced_columns, ["id"]);
    assert!(schema.enums.contains(&EnumType::new(
        "ticket_state",
        &["open", "in_progress", "done"]
    )));
    assert!(schema.namespaces.contains(&"support".to_string()));
}

#[test]
fn identity_options_collation_precision_and_generated_columns_reach_the_table() {
    let table = InvoiceTable::definition().to_table();
    assert_eq!(table.schema.as_deref(), Some("billing"));
    let col = |name: &str| table.column(name).unwrap().clone();
    let id = col("id");
    assert_eq!(id.identity, Some(Identity::Always));
    assert_eq!(
        id.sequence,
        Some(Sequence {
            start: Some(1000),
            increment: Some(10),
            cache: Some(5),
            ..Sequence::default()
        })
    );
    let number = col("number");
    assert_eq!(number.column_type, ColumnType::varchar(40));
    assert_eq!(number.collation.as_deref(), Some("C"));
    assert_eq!(
        col("issued_at").column_type,
        ColumnType::TimestampTz { precision: Some(3) }
    );
    assert_eq!(
        col("reminded_at").column_type,
        ColumnType::Timestamp { precision: Some(0) }
    );
    let tax = col("tax");
    assert_eq!(tax.generated.as_deref(), Some("total * 0.2"));
    assert_eq!(
        tax.column_type,
        ColumnType::Numeric {
            precision: Some(12),
            scale: Some(2)
        }
    );
}

#[test]
fn indexes_carry_every_option_the_derive_accepts() {
    let table = InvoiceTable::definition().to_table();
    let index = |name: &str| -> Index {
        table
            .indexes
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("no index {name} in {:#?}", table.indexes))
            .clone()
    };
    assert_eq!(
        index("ix_invoices_number_recent").keys,
        [
            IndexKey {
                opclass: Some("text_pattern_ops".into()),
                ..IndexKey::expression("lower(number)")
            },
            IndexKey {
                nulls: Some(NullsOrder::Last),
                ..IndexKey::column("issued_at").desc()
            },
        ]
    );
    let open = index("ix_invoices_open");
    assert_eq!(open.include, ["total"]);
    assert_eq!(open.predicate.as_deref(), Some("paid_at IS NULL"));
    assert_eq!(index("ix_invoices_tags").method.as_deref(), Some("gin"));
    let doubled = index("ux_invoices_total_2");
    assert!(doubled.unique && doubled.nulls_not_distinct);
    assert_eq!(doubled.keys, [IndexKey::expression("total * 2")]);
    // DESC NULLS LAST is not DESC's default (NULLS FIRST): it is kept.
    assert_eq!(
        index("ix_invoices_priority").keys,
        [IndexKey {
            nulls: Some(NullsOrder::Last),
            ..IndexKey::column("priority").desc()
        }]
    );
    assert_eq!(
        index("ix_invoices_reminded_at").predicate.as_deref(),
        Some("reminded_at IS NOT NULL")
    );
    assert_eq!(
        table.uniques,
        [
            UniqueConstraint {
                nulls_not_distinct: true,
                ..UniqueConstraint::new("invoices_customer_number_key", &["customer_id", "number"])
            },
            UniqueConstraint {
                nulls_not_distinct: true,
                ..UniqueConstraint::new("invoices_priority_key", &["priority"])
            },
        ]
    );
}

#[test]
fn partitioning_unique_include_and_deferral_and_key_collations_reach_the_table() {
    let table = ReadingTable::definition().to_table();
    assert_eq!(table.partition_by.as_deref(), Some("RANGE (taken_on)"));
    assert_eq!(
        table.indexes[0].keys,
        [IndexKey {
            collation: Some("C".into()),
            opclass: Some("text_pattern_ops".into()),
            ..IndexKey::column("label").desc()
        }]
    );
    assert_eq!(
        table.uniques,
        [
            UniqueConstraint {
                include: vec!["value".into()],
                deferrable: Deferrable::InitiallyImmediate,
                ..UniqueConstraint::new("readings_label_key", &["label"])
            },
            UniqueConstraint {
                include: vec!["value".into()],
                deferrable: Deferrable::InitiallyDeferred,
                ..UniqueConstraint::new(
                    "readings_sensor_label_taken_on_key",
                    &["sensor", "label", "taken_on"]
                )
            },
        ]
    );
}

#[test]
fn named_checks_and_foreign_keys_keep_their_names_and_options() {
    let table = InvoiceTable::definition().to_table();
    assert_eq!(
        table.checks,
        [
            CheckConstraint::new(
                "invoices_paid_after_issue",
                "paid_at IS NULL OR paid_at >= issued_at"
            ),
            CheckConstraint::new("invoices_total_positive", "total > 0"),
        ]
    );
    let fk = &table.foreign_keys[0];
    assert_eq!(fk.name, "invoices_customer");
    assert_eq!(fk.referenced_schema.as_deref(), Some("support"));
    assert_eq!(fk.on_delete, ReferentialAction::Restrict);
    assert_eq!(fk.deferrable, Deferrable::InitiallyDeferred);
    assert_eq!(fk.match_type, MatchType::Full);
}

#[test]
fn serial_is_a_type_or_a_flag_and_sql_types_are_parsed() {
    let table = LegacyRowTable::definition().to_table();
    let col = |name: &str| table.column(name).unwrap().clone();
    assert_eq!(
        (col("id").column_type, col("id").identity),
        (ColumnType::BigInt, Some(Identity::Serial))
    );
    assert_eq!(
        (col("position").column_type, col("position").identity),
        (ColumnType::Integer, Some(Identity::Serial))
    );
    // `int4` is `integer`, as introspection reads it: never a verbatim type.
    assert_eq!(col("count").column_type, ColumnType::Integer);
    assert_eq!(col("count").identity, None);
}

#[test]
fn an_enum_variant_remembers_its_earlier_label() {
    let priority = <Priority as SqlType>::enum_type().unwrap();
    assert_eq!(priority.labels, ["low", "medium", "high"]);
    assert_eq!(
        priority.renamed_labels,
        [("normal".to_string(), "medium".to_string())]
    );
}

#[test]
fn the_key_type_of_an_entity_is_its_primary_key_field_type() {
    fn key_of<T: EntityFields>() -> std::any::TypeId
    where
        T::Key: 'static,
    {
        std::any::TypeId::of::<T::Key>()
    }
    assert_eq!(key_of::<AccountTable>(), std::any::TypeId::of::<i64>());
    assert_eq!(
        key_of::<TicketTable>(),
        std::any::TypeId::of::<uuid::Uuid>()
    );
    // A composite key has no single type.
    assert_eq!(key_of::<AccountTagTable>(), std::any::TypeId::of::<()>());
}
