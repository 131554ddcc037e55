//! Invalid indexes: what an interrupted or failed `CREATE INDEX CONCURRENTLY`
//! (or `REINDEX CONCURRENTLY`) leaves behind. PostgreSQL keeps such an index,
//! marked invalid: queries ignore it, writes still maintain it, a plain re-run
//! fails with "already exists", and `IF NOT EXISTS` skips it silently. The
//! runner refuses to record a `transaction off` migration while one exists;
//! `db verify` and `migrate check` report them.

use serde::Serialize;
use sqlx::PgConnection;

use super::error::RunnerError;
use crate::database::quote_identifier;
use crate::terminal::escape_controls;

/// An index PostgreSQL marks invalid (`pg_index.indisvalid = false`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvalidIndex {
    pub schema: String,
    pub name: String,
    pub table: String,
    /// `CREATE INDEX ...` as PostgreSQL would write it.
    pub definition: String,
}

impl InvalidIndex {
    /// `schema.name`, for messages.
    pub fn name(&self) -> String {
        escape_controls(&format!("{}.{}", self.schema, self.name)).into_owned()
    }

    /// The statement that removes it, so the migration can build it again.
    pub fn repair(&self) -> String {
        format!(
            "DROP INDEX CONCURRENTLY {}.{}",
            quote_identifier(&self.schema),
            quote_identifier(&self.name)
        )
    }
}

/// Every invalid index of the database (outside the system catalogs), except
/// those a session is building right now (they are invalid until it finishes).
pub async fn invalid_indexes(
    connection: &mut PgConnection,
) -> Result<Vec<InvalidIndex>, RunnerError> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text, t.relname::text, pg_get_indexdef(i.indexrelid) \
         FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_class t ON t.oid = i.indrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE NOT i.indisvalid \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND NOT EXISTS (SELECT FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid) \
         ORDER BY 1, 2",
    )
    .fetch_all(&mut *connection)
    .await
    .map_err(|e| RunnerError::database("looking for invalid indexes", e))?;
    Ok(rows
        .into_iter()
        .map(|(schema, name, table, definition)| InvalidIndex {
            schema,
            name,
            table,
            definition,
        })
        .collect())
}
