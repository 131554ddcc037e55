use forge::EntityTable;

#[derive(EntityTable)]
#[forge(unique(user_id, numbr))]
pub struct OrderTable {
    pub user_id: i64,
    pub number: i32,
}

fn main() {}
