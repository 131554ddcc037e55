use forge::PgEnum;

#[derive(PgEnum)]
enum Status {
    Open,
    // `open` is still a label: renaming it here would merge two variants.
    #[forge(renamed_from = "open")]
    Closed,
}

fn main() {}
