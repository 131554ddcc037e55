use forge::EntityTable;

#[derive(EntityTable)]
#[forge(index())]
pub struct OrderTable {
    pub user_id: i64,
}

fn main() {}
