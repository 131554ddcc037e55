//! PostgreSQL introspection: the catalog queries ([`query`]), the pure
//! mapping of their rows to the model ([`parser`]), and this orchestration.

mod objects;
pub mod parser;
pub mod query;
pub mod settle;

use sqlx::PgConnection;

use super::{IntrospectError, IntrospectOptions, IntrospectStats, Introspection, Introspector};
use crate::model::Schema;

pub use query::QUERY_COUNT;

/// Reads the tables and enum types of `schema` into the model, ignoring
/// Forge's own version tables.
pub async fn introspect(conn: &mut PgConnection, schema: &str) -> Result<Schema, IntrospectError> {
    Ok(introspect_with(conn, schema, &IntrospectOptions::default())
        .await?
        .schema)
}

/// Reads `schema` (and `options.other_schemas`) with `options`, and reports
/// what the reading cost.
pub async fn introspect_with(
    conn: &mut PgConnection,
    schema: &str,
    options: &IntrospectOptions,
) -> Result<Introspection, IntrospectError> {
    let rows = query::fetch_with(conn, schema, &options.other_schemas, options.unmanaged)
        .await?
        .ok_or_else(|| IntrospectError::MissingSchema {
            schema: schema.to_string(),
        })?;
    let stats = IntrospectStats {
        queries: match options.unmanaged {
            query::Unmanaged::Skip => query::TABLE_QUERY_COUNT,
            query::Unmanaged::Define => QUERY_COUNT,
        },
        rows: rows.len(),
    };
    Ok(Introspection {
        schema: parser::parse_schema(rows, schema, options),
        stats,
    })
}

impl Introspector for PgConnection {
    async fn introspect_schema(
        &mut self,
        schema: &str,
        options: &IntrospectOptions,
    ) -> Result<Introspection, IntrospectError> {
        introspect_with(self, schema, options).await
    }
}
