//! Introspection: reading a live database's schema into the shared model, one
//! module per dialect behind the [`Introspector`] boundary.
//!
//! Each dialect reads its catalogs in a fixed number of queries whatever the
//! number of tables, normalizes what the database reports (type aliases,
//! default expressions) the way the models are normalized, and lists what
//! Forge does not manage (views, functions, triggers, partitions...) as
//! unmanaged objects rather than leaving it out. Forge's own version tables
//! and what `[autogenerate] exclude` names are left out.

mod error;
pub mod exclude;
pub mod postgres;

use std::future::Future;

pub use error::IntrospectError;
pub use exclude::{ExcludeError, Exclusions};
pub use postgres::query::Unmanaged;

use crate::model::Schema;

/// Tables every introspection skips: Forge's own bookkeeping.
pub const FORGE_TABLES: &[&str] = &["forge_version", "forge_history"];

/// What to read besides the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntrospectOptions {
    /// Tables of the default schema to leave out of the result (Forge's
    /// version tables by default).
    pub ignored_tables: Vec<String>,
    /// PostgreSQL schemas to read besides the default one (those the models
    /// put tables in); one that does not exist reads as absent, not as an error.
    pub other_schemas: Vec<String>,
    /// What `[autogenerate] exclude` leaves out.
    pub exclude: Exclusions,
    /// Whether to list the objects Forge does not manage, with their
    /// definitions (comparing with the models needs none of them).
    pub unmanaged: Unmanaged,
}

impl Default for IntrospectOptions {
    fn default() -> Self {
        IntrospectOptions {
            ignored_tables: FORGE_TABLES.iter().map(|t| t.to_string()).collect(),
            other_schemas: Vec::new(),
            exclude: Exclusions::default(),
            unmanaged: Unmanaged::Define,
        }
    }
}

impl IntrospectOptions {
    /// Also ignores `table` (e.g. a version table configured under another name).
    pub fn ignoring(mut self, table: impl Into<String>) -> Self {
        let table = table.into();
        if !self.ignored_tables.contains(&table) {
            self.ignored_tables.push(table);
        }
        self
    }

    /// Also reads the tables of these PostgreSQL schemas.
    pub fn with_schemas(mut self, schemas: impl IntoIterator<Item = String>) -> Self {
        for schema in schemas {
            if !self.other_schemas.contains(&schema) {
                self.other_schemas.push(schema);
            }
        }
        self
    }

    /// Also leaves out what these patterns match.
    pub fn excluding(mut self, exclude: Exclusions) -> Self {
        self.exclude = exclude;
        self
    }

    /// Reads the managed tables and enum types only.
    pub fn without_unmanaged(mut self) -> Self {
        self.unmanaged = Unmanaged::Skip;
        self
    }

    pub fn is_ignored(&self, table: &str) -> bool {
        self.ignored_tables.iter().any(|t| t == table)
    }
}

/// The schema read from a database, with what it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Introspection {
    pub schema: Schema,
    pub stats: IntrospectStats,
}

/// What one introspection run did, for benchmarks and `--verbose` output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IntrospectStats {
    /// Catalog queries sent to the server (a constant per dialect).
    pub queries: usize,
    /// Catalog rows read, all queries together.
    pub rows: usize,
}

/// A live database whose schema can be read into the model: the per-dialect
/// boundary the diff and the CLI program against.
pub trait Introspector {
    /// Reads the tables and enum types of `schema` (a PostgreSQL schema name;
    /// dialects without schemas ignore it), and the tables of
    /// `options.other_schemas`.
    fn introspect_schema(
        &mut self,
        schema: &str,
        options: &IntrospectOptions,
    ) -> impl Future<Output = Result<Introspection, IntrospectError>> + Send;
}
