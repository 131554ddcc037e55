use forge::{EntityBase, EntityTable, PgEnum};

#[derive(PgEnum)]
enum Plan {
    Free,
    #[forge(rename = "pro", renamed_from = "premium")]
    Professional,
}

/// A customer.
#[derive(EntityTable)]
#[forge(table = "customers", schema = "crm", renamed_from = "clients", unique(email, plan))]
pub struct CustomerTable {
    #[forge(flatten)]
    pub base: EntityBase,
    #[forge(max_length = 255, index)]
    pub email: String,
    pub plan: Plan,
    #[forge(ge = 0, le = 100.5)]
    pub discount: f64,
    #[forge(sql_type = "inet")]
    pub last_ip: Option<std::net::IpAddr>,
    #[forge(skip)]
    pub cached: Vec<String>,
}

#[derive(EntityTable)]
pub struct InvoiceTable {
    #[forge(primary_key, identity = "always")]
    pub id: i64,
    #[forge(references = CustomerTable, on_delete = "cascade", on_update = "no action")]
    pub customer_id: uuid::Uuid,
    #[forge(gt = -1, check = "amount_cents <> 13", default = "0", column = "amount_cents")]
    pub amount: i64,
}

/// Every attribute of the model language on one table.
#[derive(EntityTable)]
#[forge(
    schema = "billing",
    index("lower(note) text_pattern_ops", "issued_at DESC NULLS LAST", name = "ix_bills_note"),
    index(customer_id, include(total), where = "total > 0", method = "btree"),
    index("(total * 2)", unique, nulls_not_distinct),
    unique(customer_id, note, nulls_not_distinct, name = "bills_customer_note_key"),
    check(name = "bills_total_sane", expr = "total >= 0 OR note IS NOT NULL")
)]
pub struct BillTable {
    #[forge(primary_key, identity(always, start = 1000, increment = 10, min_value = 1, max_value = 100000, cache = 20, cycle))]
    pub id: i64,
    #[forge(serial)]
    pub legacy_number: i32,
    #[forge(sql_type = "bigserial")]
    pub sequence_number: i64,
    #[forge(references = InvoiceTable, fk_name = "bills_invoice", deferrable = "initially deferred", match = "full", on_delete = "set null")]
    pub invoice_id: Option<i64>,
    #[forge(references = CustomerTable)]
    pub customer_id: uuid::Uuid,
    #[forge(max_length = 200, collation = "C", index(desc, nulls_last, opclass = "varchar_pattern_ops"))]
    pub note: Option<String>,
    #[forge(precision = 3)]
    pub issued_at: chrono::DateTime<chrono::Utc>,
    #[forge(sql_type = "numeric(12,2)", check(name = "bills_total_positive", expr = "total > 0"))]
    pub total: f64,
    #[forge(sql_type = "numeric(12,2)", generated = "total * 0.2")]
    pub tax: Option<f64>,
    #[forge(unique(name = "bills_code_key", nulls_not_distinct))]
    pub code: Option<String>,
}

fn main() {
    assert_eq!(<CustomerTable as EntityTable>::TABLE_NAME, "customers");
    assert_eq!(<InvoiceTable as EntityTable>::TABLE_NAME, "invoice");
}
