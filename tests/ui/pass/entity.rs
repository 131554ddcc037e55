use forge::{EntityBase, EntityTable, PgEnum};

#[derive(PgEnum)]
enum Plan {
    Free,
    #[forge(rename = "pro")]
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

fn main() {
    assert_eq!(<CustomerTable as EntityTable>::TABLE_NAME, "customers");
    assert_eq!(<InvoiceTable as EntityTable>::TABLE_NAME, "invoice");
}
