use forge::EntityTable;

#[derive(EntityTable)]
pub struct EventTable {
    #[forge(primary_key)]
    pub id: i64,
    #[forge(precision = 3)]
    pub name: String,
}

fn main() {}
