//! Forge: code-first schema and migrations for Rust.
//!
//! An app depends on this crate alone. Annotate plain structs with
//! `#[derive(EntityTable)]`; each registers itself at link time, so
//! [`registry::schema`] sees every entity of every crate the binary links:
//!
//! ```
//! use forge::{EntityBase, EntityTable};
//!
//! /// A customer of the shop.
//! #[derive(EntityTable)]
//! #[forge(table = "customers")]
//! pub struct CustomerTable {
//!     #[forge(flatten)]
//!     pub base: EntityBase,
//!     #[forge(max_length = 320, unique)]
//!     pub email: String,
//!     pub signed_up: forge::chrono::NaiveDate,
//! }
//!
//! let schema = forge::registry::schema().unwrap();
//! let customers = schema.tables.iter().find(|t| t.name == "customers").unwrap();
//! assert_eq!(customers.columns.len(), 5); // id, created_at, updated_at, email, signed_up
//! ```
//!
//! What an app compiles follows the features it turns on. Without any: the
//! model, the derives and the registry — all a crate that only defines entities
//! needs. `postgres` adds [`migrations!`] and running migrations at startup on
//! the app's own pool ([`migrate`], [`sqlx`]); `cli` the command line for the
//! app's `api-forge-cli` binary ([`cli`]); `testing` the schema checks of
//! [`testing`] and [`#[forge::test]`](test); `decimal` `rust_decimal` columns.
//!
//! The types the derive maps are re-exported ([`chrono`], [`uuid`],
//! [`serde_json`], and `rust_decimal` with `decimal`), so the app's versions
//! always match Forge's.
//!
//! A binary only sees the entities of the crates it links. When the entities
//! live in a separate crate that the binary does not otherwise use, link it
//! explicitly:
//!
//! ```ignore
//! use my_entities as _;
//! ```

// --- models: the derives and what they implement ---
pub use forge_core::entity::{
    EntityBase, EntityFields, EntityTable, IntegerType, NumericType, PgEnum, PrecisionType,
    References, SqlType, TextType,
};
pub use forge_derive::{EntityTable, PgEnum};

/// What the derives generate against, for hand-written column groups and types.
pub use forge_core::entity;
/// The schema model: plain, serializable, sorted data ([`model::Schema`],
/// [`model::ColumnType`] for a [`SqlType`] of your own).
pub use forge_core::model;
/// The registered entities and the schema they describe.
pub use forge_core::registry;

// --- the runtime ---

/// Embeds a folder of migration files, validated while the crate compiles:
/// `static MIGRATIONS: forge::migrate::EmbeddedMigrations = forge::migrations!("migrations/versions");`
#[cfg(feature = "postgres")]
pub use forge_macros::migrations;

/// Running migrations from the app: the migrations [`migrations!`] embeds,
/// applied on the app's own pool with the CLI's settings, session and lock.
///
/// ```
/// // This repository's own folder (the path is relative to the crate's Cargo.toml).
/// static MIGRATIONS: forge::migrate::EmbeddedMigrations =
///     forge::migrations!("migrations/versions");
///
/// let graph = MIGRATIONS.migrator().unwrap().graph();
/// assert_eq!(graph.heads(), ["bb6ef5c88c20"]);
/// assert_eq!(MIGRATIONS.settings().version_table, "forge_version");
///
/// async fn start() -> Result<(), Box<dyn std::error::Error>> {
///     let pool = forge::sqlx::PgPool::connect(&std::env::var("DATABASE_URL")?).await?;
///     let applied = MIGRATIONS.upgrade(&pool).await?;
///     println!("{} migration(s) applied", applied.len());
///     Ok(())
/// }
/// ```
#[cfg(feature = "postgres")]
pub mod migrate {
    pub use forge_core::database::ConnectError;
    pub use forge_core::embedded::{EmbedError, EmbeddedFile, EmbeddedMigrations, Settings};
    pub use forge_core::graph::{GraphError, RevisionGraph, RevisionSpec};
    pub use forge_core::runner::{
        Applied, ChangedMigration, Migrator, RunnerError, Status, UpgradeOptions,
    };
    pub use forge_core::script::{MigrationScript, ScriptError};
    pub use forge_core::snapshot::{Snapshot, SnapshotError, Snapshots};
}

/// Schema checks for the app's own tests.
#[cfg(feature = "testing")]
pub use forge_core::testing;

/// A test with a database of its own (see [`testing`]).
#[cfg(feature = "testing")]
pub use forge_macros::test;

/// The command line, for the app's binary (its `--version` then names the app):
/// `fn main() -> std::process::ExitCode { forge::cli::main_with(forge::cli::app!()) }`.
#[cfg(feature = "cli")]
pub mod cli {
    pub use forge_cli::{app, main, main_with, run, App};
}

// --- what an app would otherwise have to version-match ---
pub use chrono;
#[cfg(feature = "decimal")]
pub use rust_decimal;
pub use serde_json;
#[cfg(feature = "postgres")]
pub use sqlx;
pub use uuid;

#[doc(hidden)]
pub mod __private {
    pub use forge_core::entity::__private::*;
    pub use inventory;
}
