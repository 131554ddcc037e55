use forge::EntityTable;

#[derive(EntityTable)]
#[forge(unique(code, region, deferrable = "later"))]
pub struct ShopTable {
    #[forge(primary_key)]
    pub id: i64,
    pub code: String,
    pub region: String,
}

fn main() {}
