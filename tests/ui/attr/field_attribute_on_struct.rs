use forge::EntityTable;

#[derive(EntityTable)]
#[forge(table = "users", max_length = 255)]
pub struct UserTable {
    pub name: String,
}

fn main() {}
