use forge::EntityTable;

// The broken entity reports its own mistake; the entity that references it
// does not add "UserTable is not an entity" on top.
#[derive(EntityTable)]
pub struct UserTable {
    #[forge(primary_key, uniqe)]
    pub id: i64,
}

#[derive(EntityTable)]
pub struct OrderTable {
    #[forge(references = UserTable)]
    pub user_id: i64,
}

fn main() {
    let _ = <UserTable as EntityTable>::TABLE_NAME;
}
