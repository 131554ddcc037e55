use forge::EntityTable;

#[derive(EntityTable)]
pub struct OrderTable {
    #[forge(primary_key)]
    pub id: i64,
    #[forge(fk_name = "orders_owner")]
    pub owner_id: i64,
}

fn main() {}
