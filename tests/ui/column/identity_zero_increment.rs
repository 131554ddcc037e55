use forge::EntityTable;

#[derive(EntityTable)]
pub struct TicketTable {
    #[forge(primary_key, identity(increment = 0))]
    pub id: i64,
}

fn main() {}
