use forge::EntityTable;

#[derive(EntityTable)]
pub struct PriceTable {
    #[forge(primary_key)]
    pub id: i64,
    #[forge(check(name = "price_positive"))]
    pub price: f64,
}

fn main() {}
