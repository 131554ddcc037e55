use forge::EntityTable;

#[derive(EntityTable)]
pub struct ProductTable {
    #[forge(gt = 10, lt = 5)]
    pub price: f64,
}

fn main() {}
