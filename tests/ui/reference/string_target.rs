use forge::EntityTable;

#[derive(EntityTable)]
pub struct OrderTable {
    #[forge(references = "users")]
    pub user_id: i64,
}

fn main() {}
