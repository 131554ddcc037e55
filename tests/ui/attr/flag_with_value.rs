use forge::EntityTable;

#[derive(EntityTable)]
pub struct UserTable {
    #[forge(index = 3)]
    pub name: String,
}

fn main() {}
