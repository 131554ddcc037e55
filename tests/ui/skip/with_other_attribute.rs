use forge::EntityTable;

#[derive(EntityTable)]
pub struct UserTable {
    pub name: String,
    #[forge(skip, max_length = 10)]
    pub cached: String,
}

fn main() {}
