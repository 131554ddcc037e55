use forge::EntityTable;

#[derive(EntityTable)]
pub struct OrderTable {
    #[forge(on_delete = "cascade")]
    pub user_id: i64,
}

fn main() {}
