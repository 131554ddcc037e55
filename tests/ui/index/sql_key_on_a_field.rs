use forge::EntityTable;

#[derive(EntityTable)]
pub struct UserTable {
    #[forge(primary_key)]
    pub id: i64,
    #[forge(index("lower(email)"))]
    pub email: String,
}

fn main() {}
