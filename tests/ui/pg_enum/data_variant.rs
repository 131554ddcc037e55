use forge::PgEnum;

#[derive(PgEnum)]
pub enum Payment {
    Cash,
    Card(String),
}

fn main() {}
