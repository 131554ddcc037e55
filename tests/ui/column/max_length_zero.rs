use forge::EntityTable;

#[derive(EntityTable)]
pub struct UserTable {
    #[forge(max_length = 0)]
    pub name: String,
}

fn main() {}
