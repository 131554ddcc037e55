use forge::PgEnum;

#[derive(PgEnum)]
pub enum Never {}

fn main() {}
