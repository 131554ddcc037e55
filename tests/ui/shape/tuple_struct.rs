use forge::EntityTable;

#[derive(EntityTable)]
pub struct PointTable(i32, i32);

fn main() {}
