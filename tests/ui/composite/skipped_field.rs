use forge::EntityTable;

#[derive(EntityTable)]
#[forge(index(user_id, cache))]
pub struct OrderTable {
    pub user_id: i64,
    #[forge(skip)]
    pub cache: Vec<String>,
}

fn main() {}
