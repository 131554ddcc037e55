use forge::EntityTable;

#[derive(EntityTable)]
pub struct UserTable {
    #[forge(primary_key)]
    pub id: i64,
    #[forge(index(sorted))]
    pub email: String,
}

fn main() {}
