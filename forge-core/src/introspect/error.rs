//! What can go wrong while reading a database's catalogs.

/// An introspection failure, in one sentence that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum IntrospectError {
    #[error("schema `{schema}` does not exist in this database; create it (CREATE SCHEMA \"{schema}\") or fix [database] schema in forge.toml")]
    MissingSchema { schema: String },
    #[error("reading the {catalog} of schema `{schema}` failed: {source}; check that the connection is alive and the user may read pg_catalog")]
    CatalogQuery {
        catalog: &'static str,
        schema: String,
        #[source]
        source: sqlx::Error,
    },
}
