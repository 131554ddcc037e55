use forge::EntityTable;

#[derive(EntityTable)]
pub struct UserTable {
    #[forge(gt = 0)]
    pub name: String,
}

fn main() {}
