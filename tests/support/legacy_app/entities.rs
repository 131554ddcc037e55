//! Models of the tables of schema public as the database holds them, written by
//! `schema inspect --rust`: check them, split them into
//! `entities/<domain>/<entity>/table.rs`, and `migrate revision` finds no change.
//! Needs the chrono, serde_json and uuid crates for their column types.
#![allow(dead_code)]

use forge::{EntityTable, PgEnum};

#[derive(PgEnum, Debug, Clone, Copy, PartialEq, Eq)]
#[forge(name = "account_status")]
pub enum AccountStatus {
    Trial,
    Active,
    Suspended,
}

/// Customers who sign in
#[derive(EntityTable)]
#[forge(
    table = "accounts",
    index("name text_pattern_ops", name = "ix_accounts_name"),
    index("(normalized_email(email::text))", name = "ix_accounts_normalized_email"),
    index("created_at DESC NULLS LAST", id, name = "ix_accounts_recent"),
    unique(email, name = "accounts_email_key", nulls_not_distinct)
)]
pub struct AccountsTable {
    #[forge(primary_key, identity(always, start = 100, increment = 10))]
    pub id: i64,
    /// Where receipts go
    #[forge(sql_type = "email_address")]
    pub email: String,
    #[forge(collation = "C")]
    pub name: String,
    #[forge(default = "'trial'::account_status")]
    pub status: AccountStatus,
    #[forge(sql_type = "postal_address")]
    pub home: Option<String>,
    #[forge(sql_type = "price_range")]
    pub budget: Option<String>,
    #[forge(precision = 3, default = "now()")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[forge(default = "now()")]
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(EntityTable)]
#[forge(
    table = "bookings"
)]
pub struct BookingsTable {
    #[forge(primary_key)]
    pub id: i32,
    #[forge(references = AccountsTable)]
    pub account_id: i64,
    pub room: i32,
    #[forge(sql_type = "tsrange")]
    pub during: String,
}

#[derive(EntityTable)]
#[forge(
    table = "events",
    partition_by = "RANGE (happened_on)",
    primary_key(id, happened_on),
    index(kind, name = "ix_events_kind")
)]
pub struct EventsTable {
    #[forge(identity(by_default))]
    pub id: i64,
    #[forge(references = AccountsTable, on_delete = "cascade")]
    pub account_id: Option<i64>,
    pub happened_on: chrono::NaiveDate,
    pub kind: String,
    pub payload: Option<serde_json::Value>,
}

#[derive(EntityTable)]
#[forge(
    table = "legacy_customer_archive"
)]
pub struct LegacyCustomerArchiveTable {
    pub id: i32,
    #[forge(max_length = 200)]
    pub full_name: String,
    #[forge(default = "nextval('billing.ticket_seq'::regclass)")]
    pub ticket: i32,
    pub archived_on: chrono::NaiveDate,
}

#[derive(EntityTable)]
#[forge(
    table = "legacy_customers"
)]
pub struct LegacyCustomersTable {
    #[forge(primary_key)]
    pub id: i32,
    #[forge(max_length = 200)]
    pub full_name: String,
    #[forge(default = "nextval('billing.ticket_seq'::regclass)")]
    pub ticket: i32,
}

#[derive(EntityTable)]
#[forge(
    table = "session_cache"
)]
pub struct SessionCacheTable {
    #[forge(primary_key)]
    pub key: String,
    pub value: Option<Vec<u8>>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(EntityTable)]
#[forge(
    table = "invoices",
    schema = "billing",
    index(issued_on, name = "ix_invoices_issued", method = "brin"),
    index(account_id, "issued_on DESC", name = "ix_invoices_open", where = "paid_on IS NULL"),
    index("owner_name COLLATE \"C\" NULLS FIRST", name = "ix_invoices_owner"),
    index(state, name = "ix_invoices_state", method = "hash"),
    index(tags, name = "ix_invoices_tags", method = "gin"),
    index(number, name = "ux_invoices_number", unique, include(state)),
    check(name = "invoices_paid_after_issue", expr = "paid_on IS NULL OR paid_on >= issued_on"),
    check(name = "invoices_total_positive", expr = "total::numeric > 0::numeric")
)]
pub struct BillingInvoicesTable {
    #[forge(primary_key, serial)]
    pub id: i32,
    #[forge(default = "nextval('invoice_number_seq'::regclass)")]
    pub number: i32,
    #[forge(references = AccountsTable, fk_name = "invoices_account", on_delete = "restrict", match = "full", deferrable = "initially deferred")]
    pub account_id: Option<i64>,
    pub owner_name: Option<String>,
    #[forge(sql_type = "billing.invoice_state", default = "'draft'::billing.invoice_state")]
    pub state: String,
    #[forge(sql_type = "billing.money_amount")]
    pub total: Option<String>,
    #[forge(sql_type = "numeric(12,2)", generated = "((total)::numeric * 0.2)")]
    pub tax: Option<f64>,
    pub issued_on: chrono::NaiveDate,
    pub paid_on: Option<chrono::NaiveDate>,
    #[forge(default = "'{}'::text[]")]
    pub tags: Vec<String>,
}
