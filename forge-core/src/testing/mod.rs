//! `forge::testing`: the schema checks an app runs in its own `cargo test` — a
//! fresh database per test with the app's migrations applied, the models
//! against the migration files (through a scratch database, or with no
//! database at all against the recorded snapshot), downgrades that restore
//! the catalog, and the registry's own checks.
//!
//! The server comes from `FORGE_TEST_DATABASE_URL`, else `DATABASE_URL`, else
//! the local default `postgres://postgres@127.0.0.1:5432/postgres`; each test
//! database gets a unique name and is dropped when the test ends, also when it
//! panics.

mod assertions;
mod catalog;
mod database;

pub use assertions::{
    assert_models_match_migrations, assert_models_match_snapshot, assert_models_valid,
    assert_reversible,
};
pub use database::{run, server_url, TestArgument, TestDatabase, DEFAULT_SERVER_URL};
