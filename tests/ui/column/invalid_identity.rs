use forge::EntityTable;

#[derive(EntityTable)]
pub struct TicketTable {
    #[forge(primary_key, identity = "sometimes")]
    pub id: i64,
}

fn main() {}
