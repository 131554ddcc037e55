//! `legacy-forge-cli`: the models a team writes for the database of
//! `fixtures/existing_database.sql` once it adopts it with Forge, behind
//! Forge's CLI. They describe every managed table to the last option (a
//! partitioned table, identity and serial columns, domains and extension
//! types through `sql_type`, a generated column, named constraints, every
//! index method, collations); the views, functions, triggers, partitions
//! and policies of that database are not modelled: Forge leaves them be.

use chrono::{DateTime, NaiveDate, Utc};
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
    index("normalized_email(email::text)", name = "ix_accounts_normalized_email"),
    index("created_at DESC NULLS LAST", id, name = "ix_accounts_recent")
)]
pub struct AccountTable {
    #[forge(primary_key, identity(always, start = 100, increment = 10))]
    pub id: i64,
    /// Where receipts go
    #[forge(sql_type = "email_address", unique(nulls_not_distinct))]
    pub email: String,
    #[forge(collation = "C")]
    pub name: String,
    #[forge(default = "'trial'")]
    pub status: AccountStatus,
    #[forge(sql_type = "postal_address")]
    pub home: Option<String>,
    #[forge(sql_type = "price_range")]
    pub budget: Option<String>,
    #[forge(precision = 3, default = "now()")]
    pub created_at: DateTime<Utc>,
    #[forge(default = "now()")]
    pub updated_at: DateTime<Utc>,
}

// Partitioned by day of the event; its yearly partitions are the database's.
#[derive(EntityTable)]
#[forge(
    table = "events",
    partition_by = "RANGE (happened_on)",
    primary_key(id, happened_on),
    index(kind)
)]
pub struct EventTable {
    #[forge(identity)]
    pub id: i64,
    #[forge(references = AccountTable, on_delete = "cascade")]
    pub account_id: Option<i64>,
    pub happened_on: NaiveDate,
    pub kind: String,
    pub payload: Option<serde_json::Value>,
}

#[derive(EntityTable)]
#[forge(table = "bookings")]
pub struct BookingTable {
    #[forge(primary_key)]
    pub id: i32,
    #[forge(references = AccountTable)]
    pub account_id: i64,
    pub room: i32,
    #[forge(sql_type = "tsrange")]
    pub during: String,
}

#[derive(EntityTable)]
#[forge(table = "legacy_customers")]
pub struct LegacyCustomerTable {
    #[forge(primary_key)]
    pub id: i32,
    #[forge(max_length = 200)]
    pub full_name: String,
    #[forge(default = "nextval('billing.ticket_seq'::regclass)")]
    pub ticket: i32,
}

// Inherits legacy_customers in the database (the inheritance is not modelled).
#[derive(EntityTable)]
#[forge(table = "legacy_customer_archive")]
pub struct LegacyCustomerArchiveTable {
    pub id: i32,
    #[forge(max_length = 200)]
    pub full_name: String,
    #[forge(default = "nextval('billing.ticket_seq'::regclass)")]
    pub ticket: i32,
    pub archived_on: NaiveDate,
}

#[derive(EntityTable)]
#[forge(table = "session_cache")]
pub struct SessionCacheTable {
    #[forge(primary_key)]
    pub key: String,
    pub value: Option<Vec<u8>>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(EntityTable)]
#[forge(
    table = "invoices",
    schema = "billing",
    index(number, unique, include(state), name = "ux_invoices_number"),
    index(
        account_id,
        "issued_on DESC",
        where = "paid_on IS NULL",
        name = "ix_invoices_open"
    ),
    index(tags, method = "gin", name = "ix_invoices_tags"),
    index(issued_on, method = "brin", name = "ix_invoices_issued"),
    index(state, method = "hash", name = "ix_invoices_state"),
    index("owner_name COLLATE \"C\" NULLS FIRST", name = "ix_invoices_owner"),
    check(
        name = "invoices_paid_after_issue",
        expr = "paid_on IS NULL OR paid_on >= issued_on"
    ),
    check(name = "invoices_total_positive", expr = "total > 0")
)]
pub struct InvoiceTable {
    #[forge(primary_key, serial)]
    pub id: i32,
    #[forge(default = "nextval('invoice_number_seq'::regclass)")]
    pub number: i32,
    #[forge(
        references = AccountTable,
        fk_name = "invoices_account",
        on_delete = "restrict",
        match = "full",
        deferrable = "initially deferred"
    )]
    pub account_id: Option<i64>,
    pub owner_name: Option<String>,
    #[forge(sql_type = "billing.invoice_state", default = "'draft'")]
    pub state: String,
    #[forge(sql_type = "billing.money_amount")]
    pub total: Option<String>,
    #[forge(sql_type = "numeric(12,2)", generated = "total * 0.2")]
    pub tax: Option<String>,
    pub issued_on: NaiveDate,
    pub paid_on: Option<NaiveDate>,
    #[forge(default = "'{}'")]
    pub tags: Vec<String>,
}

fn main() -> std::process::ExitCode {
    forge_cli::main_with(forge_cli::app!())
}
