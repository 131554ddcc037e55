use forge::EntityTable;

#[derive(EntityTable)]
#[forge(index("qty + price"))]
pub struct LineTable {
    #[forge(primary_key)]
    pub id: i64,
    pub qty: i32,
    pub price: i32,
}

fn main() {}
