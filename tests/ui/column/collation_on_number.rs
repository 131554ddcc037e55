use forge::EntityTable;

#[derive(EntityTable)]
pub struct LineTable {
    #[forge(primary_key)]
    pub id: i64,
    #[forge(collation = "C")]
    pub qty: i32,
}

fn main() {}
