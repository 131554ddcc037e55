use forge::EntityTable;

pub struct Audit {
    pub created_by: String,
}

#[derive(EntityTable)]
pub struct UserTable {
    #[forge(flatten)]
    pub audit: Audit,
    pub name: String,
}

fn main() {}
