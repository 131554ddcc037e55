use forge::{EntityBase, EntityTable};

#[derive(EntityTable)]
pub struct UserTable {
    #[forge(flatten, index)]
    pub base: EntityBase,
}

fn main() {}
