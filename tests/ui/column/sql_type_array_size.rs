use forge::EntityTable;

#[derive(EntityTable)]
pub struct EventTable {
    #[forge(primary_key)]
    pub id: i64,
    #[forge(sql_type = "int[3]")]
    pub scores: Vec<i32>,
}

fn main() {}
