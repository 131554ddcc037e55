use forge::EntityTable;

#[derive(EntityTable)]
pub struct TicketTable {
    #[forge(primary_key, identity, default = "1")]
    pub id: i64,
}

fn main() {}
