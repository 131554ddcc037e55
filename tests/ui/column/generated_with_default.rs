use forge::EntityTable;

#[derive(EntityTable)]
pub struct LineTable {
    #[forge(primary_key)]
    pub id: i64,
    pub qty: i32,
    #[forge(generated = "qty * 2", default = "0")]
    pub double: i32,
}

fn main() {}
