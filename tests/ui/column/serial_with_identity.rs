use forge::EntityTable;

#[derive(EntityTable)]
pub struct CounterTable {
    #[forge(primary_key, identity, serial)]
    pub id: i64,
}

fn main() {}
