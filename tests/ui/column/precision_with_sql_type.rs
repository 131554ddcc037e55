use forge::EntityTable;

#[derive(EntityTable)]
pub struct PriceTable {
    #[forge(primary_key)]
    pub id: i64,
    #[forge(sql_type = "numeric", precision = 10)]
    pub amount: f64,
}

fn main() {}
