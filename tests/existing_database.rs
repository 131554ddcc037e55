//! Adopting a database that already exists, against a real schema nobody
//! here wrote (`fixtures/existing_database.sql`: two schemas, extensions,
//! domains, partitions, generated columns, views, triggers, policies...):
//! introspection reads every object exactly or lists it as unmanaged, the
//! DDL `schema inspect --sql` prints recreates the database in an empty one,
//! and a generated migration never touches what Forge does not manage.

use forge::introspect::postgres::introspect_with;
use forge::introspect::IntrospectOptions;
use forge::model::{ObjectKind, Schema};
use forge::render::postgres::schema_ddl;
use forge_tests::TestDatabase;

const EXISTING: &str = include_str!("fixtures/existing_database.sql");

async fn read(db: &TestDatabase) -> Schema {
    let mut conn = forge::database::connect(&db.url, Some("public"))
        .await
        .unwrap();
    let options = IntrospectOptions::default().with_schemas(["billing".to_string()]);
    introspect_with(&mut conn, "public", &options)
        .await
        .expect("introspect")
        .schema
}

#[tokio::test]
async fn every_object_is_read_exactly_or_listed_as_unmanaged() {
    let db = TestDatabase::create().await;
    db.execute(EXISTING).await;
    let schema = read(&db).await;
    let tables: Vec<String> = schema
        .tables
        .iter()
        .map(|t| t.qualified_name().to_string())
        .collect();
    assert_eq!(
        tables,
        [
            "accounts",
            "bookings",
            "events",
            "legacy_customer_archive",
            "legacy_customers",
            "session_cache",
            "billing.invoices"
        ],
        "partitions are not tables"
    );
    let unmanaged: Vec<String> = schema.unmanaged.iter().map(|o| o.to_string()).collect();
    assert_eq!(
        unmanaged,
        [
            "enum billing.invoice_state",
            "extension btree_gist",
            "extension citext",
            "domain email_address",
            "domain billing.money_amount",
            "composite type postal_address",
            "range type price_range",
            "sequence invoice_number_seq",
            "sequence billing.ticket_seq",
            "function normalized_email(address text)",
            "function touch_updated_at()",
            "function billing.invoice_count(account bigint)",
            "function billing.mark_paid()",
            "procedure archive_events(IN before date)",
            "view account_invoice_totals",
            "view active_accounts",
            "materialized view billing.monthly_revenue",
            "partition events_2024 of events",
            "partition events_2025 of events",
            "partition events_default of events",
            "inheritance legacy_customer_archive on legacy_customer_archive",
            "index ix_events_2025_payload on events_2025",
            "index billing.ux_monthly_revenue_month on billing.monthly_revenue",
            "exclusion constraint bookings_no_overlap on bookings",
            "trigger accounts_touch on accounts",
            "trigger billing.invoices_mark_paid on billing.invoices",
            "rule legacy_customers_keep on legacy_customers",
            "policy accounts_visible on accounts",
            "row level security accounts on accounts",
            "storage parameters billing.invoices on billing.invoices",
            "storage parameters billing.ix_invoices_open on billing.invoices",
            "unlogged session_cache on session_cache",
            "statistics accounts_status_name on accounts",
        ],
        "a serial's sequence is its column's, a range type's functions are the type's"
    );
    let definition = |name: &str| {
        schema
            .unmanaged
            .iter()
            .find(|o| o.to_string() == name)
            .and_then(|o| o.definition.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        definition("partition events_default of events"),
        "CREATE TABLE events_default PARTITION OF events DEFAULT;"
    );
    assert_eq!(
        definition("policy accounts_visible on accounts"),
        "CREATE POLICY accounts_visible ON accounts AS PERMISSIVE FOR SELECT TO PUBLIC USING (status <> 'suspended'::account_status);"
    );
    let view = schema
        .unmanaged
        .iter()
        .find(|o| o.name == "account_invoice_totals")
        .unwrap();
    let requires: Vec<String> = view.requires.iter().map(|r| r.to_string()).collect();
    assert_eq!(requires, ["table billing.invoices", "view active_accounts"]);

    // What the managed tables say, to the last option.
    let json = |table: &str| {
        let t = schema
            .tables
            .iter()
            .find(|t| t.qualified_name().to_string() == table)
            .unwrap();
        serde_json::to_string(t).unwrap()
    };
    let accounts = json("accounts");
    for expected in [
        r#""identity":"always","sequence":{"name":"accounts_id_seq","start":100,"increment":10}"#,
        r#""type":{"kind":"custom","sql":"email_address"}"#,
        r#""name":"name","type":{"kind":"text"},"nullable":false,"collation":"C""#,
        r#""type":{"kind":"timestamp_tz","precision":3}"#,
        r#""keys":[{"column":"name","opclass":"text_pattern_ops"}]"#,
        r#""keys":[{"column":"created_at","descending":true,"nulls":"last"},{"column":"id"}]"#,
        r#""uniques":[{"name":"accounts_email_key","columns":["email"],"nulls_not_distinct":true}]"#,
    ] {
        assert!(accounts.contains(expected), "{expected} in {accounts}");
    }
    let invoices = json("billing.invoices");
    for expected in [
        r#""identity":"serial""#,
        r#""default":"nextval('invoice_number_seq'::regclass)""#,
        r#""generated":"((total)::numeric * 0.2)""#,
        r#""keys":[{"column":"owner_name","nulls":"first","collation":"C"}]"#,
        r#""include":["state"]"#,
        r#""method":"brin""#,
        r#""method":"gin""#,
        r#""method":"hash""#,
        r#""predicate":"paid_on IS NULL""#,
        r#""deferrable":"initially_deferred","match_type":"full""#,
        r#""name":"invoices_total_positive","expression":"total::numeric > 0::numeric","not_valid":true"#,
    ] {
        assert!(invoices.contains(expected), "{expected} in {invoices}");
    }
    assert!(json("events").contains(r#""partition_by":"RANGE (happened_on)""#));
}

#[tokio::test]
async fn the_sql_recreates_the_database_and_reads_back_identical() {
    let source = TestDatabase::create().await;
    source.execute(EXISTING).await;
    let before = read(&source).await;
    let ddl = schema_ddl(&before);
    let copy = TestDatabase::create().await;
    copy.execute(&ddl).await;
    let after = read(&copy).await;
    assert_eq!(
        serde_json::to_string_pretty(&after).unwrap(),
        serde_json::to_string_pretty(&before).unwrap(),
        "the DDL:\n{ddl}"
    );
    assert!(before
        .unmanaged
        .iter()
        .any(|o| o.kind == ObjectKind::Partition));
}
