use forge::EntityTable;

#[derive(EntityTable)]
pub struct UserTable {
    #[forge(max_length = 10)]
    pub age: i32,
}

fn main() {}
