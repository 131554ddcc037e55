use forge::EntityTable;

#[derive(EntityTable)]
pub struct CounterTable {
    #[forge(primary_key, serial)]
    pub id: String,
}

fn main() {}
