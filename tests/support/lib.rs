//! Support for Forge's end-to-end tests: a fresh, uniquely named PostgreSQL
//! database per test (dropped afterwards), and the path of the example app's
//! binary for process-level tests.

pub mod postgres;
pub mod project;

pub use postgres::TestDatabase;
pub use project::{Project, Run, TempDir};

/// The example app's `api-forge-cli` binary, built by `cargo nextest run --workspace`
/// (or `cargo build`) next to the test executables.
pub fn example_cli() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    // target/debug/deps/<test> -> target/debug/api-forge-cli
    let dir = exe.parent().and_then(|deps| deps.parent()).expect("test binaries live in target/<profile>/deps");
    let bin = dir.join(format!("api-forge-cli{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: build it first with `cargo build --workspace` (cargo nextest run --workspace does)",
        bin.display()
    );
    bin
}
