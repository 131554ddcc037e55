use forge::EntityTable;

#[derive(EntityTable)]
#[forge(primary_key(user_id, role))]
pub struct MembershipTable {
    #[forge(primary_key)]
    pub user_id: i64,
    #[forge(max_length = 20)]
    pub role: String,
}

fn main() {}
