use forge::EntityTable;

#[derive(EntityTable)]
#[forge(check = "starts_at < ends_at")]
pub struct PeriodTable {
    #[forge(primary_key)]
    pub id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
}

fn main() {}
