use forge::EntityTable;

#[derive(EntityTable)]
pub struct UserTable {
    #[forge(primary_key)]
    pub id: i64,
}

#[derive(EntityTable)]
pub struct OrderTable {
    #[forge(primary_key)]
    pub id: i64,
    #[forge(references = UserTable, match = "partial")]
    pub owner_id: i64,
}

fn main() {}
