use forge::EntityTable;

#[derive(EntityTable)]
#[forge(index(email, include(nickname)))]
pub struct UserTable {
    #[forge(primary_key)]
    pub id: i64,
    pub email: String,
}

fn main() {}
