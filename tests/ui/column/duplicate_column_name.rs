use forge::EntityTable;

#[derive(EntityTable)]
pub struct UserTable {
    pub email: String,
    #[forge(column = "email")]
    pub contact_email: String,
}

fn main() {}
