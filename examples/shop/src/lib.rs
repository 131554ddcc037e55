//! The example app: a small shop. Its entities live one per folder in
//! `src/entities/<domain>/<entity>/table.rs`; adding a `table.rs` (and its `mod`
//! line) is all it takes for `migrate revision` to see a new table.

pub mod entities;

/// The shop's migrations, embedded and validated while the crate compiles; the
/// app applies them at start (see `examples/migrate_at_start.rs`) with the
/// schema and version table of the repository's `forge.toml`.
pub static MIGRATIONS: forge::migrate::EmbeddedMigrations =
    forge::migrations!("../../migrations/versions");
