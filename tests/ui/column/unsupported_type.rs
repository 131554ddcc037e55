use forge::EntityTable;

pub struct Money {
    pub cents: i64,
}

#[derive(EntityTable)]
pub struct OrderTable {
    pub total: Money,
}

fn main() {}
