use forge::EntityTable;

#[derive(EntityTable)]
pub struct EventTable {
    #[forge(primary_key)]
    pub id: i64,
    // PostgreSQL keeps 6 fractional digits and would store timestamp(6).
    #[forge(sql_type = "timestamp(9)")]
    pub at: String,
}

fn main() {}
