use forge::EntityTable;

#[derive(EntityTable)]
pub struct ProductTable {
    #[forge(gt = 0, ge = 1)]
    pub stock: i32,
}

fn main() {}
