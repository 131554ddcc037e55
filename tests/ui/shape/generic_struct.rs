use forge::EntityTable;

#[derive(EntityTable)]
pub struct WrapperTable<T> {
    pub value: T,
}

fn main() {}
