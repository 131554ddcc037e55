use forge::EntityTable;

#[derive(EntityTable)]
pub struct UserTable {
    #[forge(primary_key)]
    pub id: i64,
}

#[derive(EntityTable)]
pub struct OrderTable {
    #[forge(references = UserTable, on_delete = "delete")]
    pub user_id: i64,
}

fn main() {}
