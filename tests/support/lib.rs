//! Support for Forge's end-to-end tests: a fresh, uniquely named PostgreSQL
//! database per test (dropped afterwards), and the path of the example app's
//! binary for process-level tests.

pub mod postgres;
pub mod project;
pub mod server;

pub use postgres::TestDatabase;
pub use project::{Project, Run, TempDir};
pub use server::Server;

/// The example app's `api-forge-cli`, compiled from the example's own
/// `src/bin/api-forge-cli.rs` as this package's binary `api-forge-cli-under-test`,
/// which cargo builds fresh before running this package's tests.
pub fn example_cli() -> std::path::PathBuf {
    package_binary("api-forge-cli-under-test")
}

/// The example app's `examples/migrate_at_start.rs` (the app migrating itself
/// at start), built as this package's binary `migrate-at-start-under-test`.
pub fn startup_example() -> std::path::PathBuf {
    package_binary("migrate-at-start-under-test")
}

/// The CLI of a team that adopted `fixtures/existing_database.sql`, with
/// models of its tables (`support/legacy_app/main.rs`), built with this package.
pub fn legacy_cli() -> std::path::PathBuf {
    package_binary("legacy-forge-cli")
}

/// A binary of this package, next to the test binaries' folder.
fn package_binary(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    // target/<profile>/deps/<test> -> target/<profile>/<name>
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test binaries live in target/<profile>/deps");
    let bin = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run the tests with `cargo nextest run --workspace`, which builds it",
        bin.display()
    );
    bin
}
