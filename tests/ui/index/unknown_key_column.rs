use forge::EntityTable;

#[derive(EntityTable)]
#[forge(index("created DESC NULLS LAST"))]
pub struct PostTable {
    #[forge(primary_key)]
    pub id: i64,
    pub created_at: i64,
}

fn main() {}
