use forge::EntityTable;

#[derive(EntityTable)]
pub struct EventTable {
    #[forge(primary_key)]
    pub id: i64,
    #[forge(sql_type = "varchar(0)")]
    pub code: String,
}

fn main() {}
