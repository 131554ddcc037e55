use forge::EntityTable;

#[derive(EntityTable)]
pub struct PriceTable {
    #[forge(primary_key)]
    pub id: i64,
    #[forge(scale = 2)]
    pub amount: f64,
}

fn main() {}
