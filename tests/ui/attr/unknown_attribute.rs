use forge::EntityTable;

#[derive(EntityTable)]
pub struct UserTable {
    #[forge(max_len = 255)]
    pub name: String,
}

fn main() {}
