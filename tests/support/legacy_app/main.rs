//! `legacy-forge-cli`: Forge's CLI for a team that adopted the database of
//! `fixtures/existing_database.sql`. Its models (`entities.rs`) are what
//! `schema inspect --rust` printed for that database, unedited (a test keeps
//! them equal): they describe every managed table to the last option (a
//! partitioned table, identity and serial columns, domains and extension
//! types through `sql_type`, a generated column, named constraints, every
//! index method, collations). The views, functions, triggers, partitions and
//! policies of that database are not modelled: Forge leaves them be.

// Kept byte for byte as printed, so the test can compare them.
#[rustfmt::skip]
mod entities;

fn main() -> std::process::ExitCode {
    forge_cli::main_with(forge_cli::app!())
}
