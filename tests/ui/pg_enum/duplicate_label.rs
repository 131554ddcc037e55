use forge::PgEnum;

#[derive(PgEnum)]
pub enum Status {
    Active,
    #[forge(rename = "active")]
    Enabled,
}

fn main() {}
