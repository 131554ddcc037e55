use forge::EntityTable;

#[derive(EntityTable)]
pub struct UserTable {
    #[forge(max_length = 255)]
    #[forge(max_length = 100)]
    pub name: String,
}

fn main() {}
