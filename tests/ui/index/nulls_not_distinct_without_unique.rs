use forge::EntityTable;

#[derive(EntityTable)]
pub struct UserTable {
    #[forge(primary_key)]
    pub id: i64,
    #[forge(index(nulls_not_distinct))]
    pub email: Option<String>,
}

fn main() {}
