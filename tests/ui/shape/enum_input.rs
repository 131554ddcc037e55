use forge::EntityTable;

#[derive(EntityTable)]
pub enum Status {
    Active,
    Disabled,
}

fn main() {}
