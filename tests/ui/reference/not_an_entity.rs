use forge::EntityTable;

pub struct User {
    pub id: i64,
}

#[derive(EntityTable)]
pub struct OrderTable {
    #[forge(references = User)]
    pub user_id: i64,
}

fn main() {}
