use forge::{EntityBase, EntityTable};

#[derive(EntityTable)]
pub struct UserTable {
    #[forge(flatten)]
    pub base: EntityBase,
}

// `users.id` is a uuid (from EntityBase); an i64 cannot reference it.
#[derive(EntityTable)]
pub struct OrderTable {
    #[forge(primary_key)]
    pub id: i64,
    #[forge(references = UserTable)]
    pub user_id: i64,
}

fn main() {}
