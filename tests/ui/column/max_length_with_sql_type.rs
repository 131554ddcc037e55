use forge::EntityTable;

#[derive(EntityTable)]
pub struct UserTable {
    #[forge(sql_type = "citext", max_length = 255)]
    pub email: String,
}

fn main() {}
