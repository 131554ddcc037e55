use forge::EntityTable;

#[derive(EntityTable)]
pub struct TicketTable {
    #[forge(primary_key, identity(always, begin = 100))]
    pub id: i64,
}

fn main() {}
