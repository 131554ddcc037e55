use forge::EntityTable;

// Three unrelated mistakes: all three are reported by one build.
#[derive(EntityTable)]
#[forge(tabel = "users")]
pub struct UserTable {
    #[forge(max_length = 0)]
    pub name: String,
    #[forge(on_delete = "cascade")]
    pub owner_id: i64,
}

fn main() {}
