//! The version bookkeeping in the database: `forge_version` (the current heads,
//! one row each, as Alembic keeps them) and the append-only `forge_history`.
//! The SQL is rendered as text once, so the online runner and the offline
//! (`--sql`) script execute exactly the same statements.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Executor, PgConnection, Row};

use super::error::RunnerError;

/// PostgreSQL truncates longer identifiers (NAMEDATALEN - 1).
const MAX_NAME_BYTES: usize = 63;

/// The history rows that record a checksum (an applied, stamped or accepted file).
const RECORDED: &str = "direction IN ('up', 'stamp', 'accept') AND checksum IS NOT NULL";
use crate::database::quote_identifier;
use crate::graph::{Direction, Step};

/// What a history row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    /// A migration was applied.
    Up,
    /// A migration was reverted.
    Down,
    /// The version table was set without running anything.
    Stamp,
    /// A changed file's new checksum was accepted deliberately.
    Accept,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Up => "up",
            Event::Down => "down",
            Event::Stamp => "stamp",
            Event::Accept => "accept",
        }
    }

    fn parse(text: &str) -> Event {
        match text {
            "down" => Event::Down,
            "stamp" => Event::Stamp,
            "accept" => Event::Accept,
            _ => Event::Up,
        }
    }
}

impl From<Direction> for Event {
    fn from(direction: Direction) -> Self {
        match direction {
            Direction::Up => Event::Up,
            Direction::Down => Event::Down,
        }
    }
}

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryRow {
    pub id: i64,
    pub revision: String,
    pub event: Event,
    pub checksum: Option<String>,
    pub message: Option<String>,
    pub applied_at: DateTime<Utc>,
    pub duration_ms: Option<i64>,
    pub applied_by: String,
}

/// The two bookkeeping tables, by name (unqualified: they live in the
/// session's schema, like the migrations' own tables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bookkeeping {
    pub version_table: String,
    pub history_table: String,
}

/// What the bookkeeping tables hold (see [`Bookkeeping::recorded_state`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordedState {
    /// Whether the version table exists.
    pub initialized: bool,
    /// The version table's rows, sorted.
    pub heads: Vec<String>,
    /// Each revision's checksum when it was last applied, stamped or accepted.
    pub checksums: HashMap<String, String>,
}

/// How long a step took, in the SQL that records it: measured by the online
/// runner, or computed by the server in an offline script.
#[derive(Debug, Clone, Copy)]
pub enum Timing {
    Measured(Duration),
    ServerClock,
}

impl Bookkeeping {
    /// `forge_version` -> `forge_history`; any other name gets `_history` appended.
    pub fn new(version_table: &str) -> Self {
        let history_table = match version_table.strip_suffix("_version") {
            Some(stem) if !stem.is_empty() => format!("{stem}_history"),
            _ => format!("{version_table}_history"),
        };
        Bookkeeping {
            version_table: version_table.to_string(),
            history_table,
        }
    }

    /// Refuses names PostgreSQL would truncate: the version table, its
    /// primary key and the history table and its index are all named after
    /// `version_table`, and a truncated name collides with another.
    pub fn check_names(&self) -> Result<(), RunnerError> {
        match self.name_problem() {
            Some(problem) => Err(RunnerError::VersionTableName {
                name: self.version_table.clone(),
                problem,
            }),
            None => Ok(()),
        }
    }

    /// Why `version_table` cannot name the bookkeeping tables, if it cannot.
    pub fn name_problem(&self) -> Option<String> {
        if self.version_table.is_empty() {
            return Some("the name is empty; use e.g. forge_version".to_string());
        }
        let derived = [
            self.version_table.clone(),
            self.primary_key_name(),
            self.history_table.clone(),
            self.history_index_name(),
        ];
        let longest = derived.iter().max_by_key(|n| n.len())?;
        let excess = longest.len().saturating_sub(MAX_NAME_BYTES);
        (excess > 0).then(|| {
            format!(
                "PostgreSQL names are at most {MAX_NAME_BYTES} bytes, and Forge names `{longest}` ({} bytes) after it; use a name at most {} bytes long",
                longest.len(),
                self.version_table.len() - excess
            )
        })
    }

    fn primary_key_name(&self) -> String {
        format!("{}_pkc", self.version_table)
    }

    /// The index that finds each revision's last recorded checksum without
    /// reading the whole, ever-growing history.
    fn history_index_name(&self) -> String {
        format!("{}_rev", self.history_table)
    }

    fn version(&self) -> String {
        quote_identifier(&self.version_table)
    }

    fn history(&self) -> String {
        quote_identifier(&self.history_table)
    }

    /// Creates both tables (and the history's index) if they do not exist.
    pub fn create_sql(&self) -> String {
        let pk = quote_identifier(&self.primary_key_name());
        format!(
            "CREATE TABLE IF NOT EXISTS {version} (\n    version_num varchar(32) NOT NULL,\n    CONSTRAINT {pk} PRIMARY KEY (version_num)\n);\n\
             CREATE TABLE IF NOT EXISTS {history} (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    revision varchar(32) NOT NULL,\n    direction varchar(8) NOT NULL CHECK (direction IN ('up', 'down', 'stamp', 'accept')),\n    checksum varchar(64),\n    message text,\n    applied_at timestamptz NOT NULL DEFAULT now(),\n    duration_ms bigint,\n    applied_by text NOT NULL DEFAULT current_user\n);\n\
             CREATE INDEX IF NOT EXISTS {index} ON {history} (revision, id DESC) INCLUDE (checksum) WHERE {RECORDED};\n",
            version = self.version(),
            history = self.history(),
            index = quote_identifier(&self.history_index_name()),
        )
    }

    /// The version-table rows a step deletes and inserts, and its history row.
    pub fn step_sql(&self, step: &Step<'_>, timing: Timing) -> String {
        let mut sql = self.heads_sql(&step.remove_heads, &step.add_heads);
        let checksum = match step.direction {
            Direction::Up => Some(step.revision.checksum.as_str()),
            Direction::Down => None,
        };
        sql.push_str(&self.history_sql(
            &step.revision.revision,
            step.direction.into(),
            checksum,
            &step.revision.message,
            timing,
        ));
        sql
    }

    /// DELETE the rows of `remove` and INSERT those of `add`.
    pub fn heads_sql(&self, remove: &[String], add: &[String]) -> String {
        let mut sql = String::new();
        if !remove.is_empty() {
            sql.push_str(&format!(
                "DELETE FROM {} WHERE version_num IN ({});\n",
                self.version(),
                list(remove)
            ));
        }
        if !add.is_empty() {
            let rows: Vec<String> = add.iter().map(|r| format!("({})", literal(r))).collect();
            sql.push_str(&format!(
                "INSERT INTO {} (version_num) VALUES {};\n",
                self.version(),
                rows.join(", ")
            ));
        }
        sql
    }

    /// Empties the version table (`stamp --purge`).
    pub fn purge_sql(&self) -> String {
        format!("DELETE FROM {};\n", self.version())
    }

    /// One history row.
    pub fn history_sql(
        &self,
        revision: &str,
        event: Event,
        checksum: Option<&str>,
        message: &str,
        timing: Timing,
    ) -> String {
        let duration = match timing {
            Timing::Measured(d) => d.as_millis().to_string(),
            Timing::ServerClock => {
                "(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint".to_string()
            }
        };
        format!(
            "INSERT INTO {} (revision, direction, checksum, message, duration_ms) VALUES ({}, {}, {}, {}, {duration});\n",
            self.history(),
            literal(revision),
            literal(event.as_str()),
            checksum.map_or_else(|| "NULL".to_string(), literal),
            literal(message),
        )
    }

    /// Each revision's last recorded checksum, as a query of (revision,
    /// checksum) rows. With the history's index of recorded checksums (by
    /// revision, newest first), it takes one index probe per revision, the
    /// next revision's newest row each time (a loose index scan), whatever
    /// the history's length. Without it (a history created before the index
    /// existed, until the next run adds it): one hash aggregate over all of it.
    fn last_checksums(&self, indexed: bool) -> String {
        let history = self.history();
        if indexed {
            format!(
                "WITH RECURSIVE last(revision, checksum) AS (\
                    (SELECT revision, checksum FROM {history} WHERE {RECORDED} ORDER BY revision, id DESC LIMIT 1) \
                  UNION ALL \
                    SELECT next.revision, next.checksum FROM last CROSS JOIN LATERAL \
                    (SELECT h.revision, h.checksum FROM {history} h \
                     WHERE {RECORDED} AND h.revision > last.revision ORDER BY h.revision, h.id DESC LIMIT 1) next) \
                 SELECT revision::text, checksum::text FROM last"
            )
        } else {
            format!(
                "SELECT revision::text, checksum::text FROM {history} WHERE id IN \
                 (SELECT max(id) FROM {history} WHERE {RECORDED} GROUP BY revision)"
            )
        }
    }

    /// What the database recorded — whether the tables exist, the heads, and
    /// each revision's last checksum — in two round trips, and in about the
    /// same time whatever the history's length (`current` runs this on every
    /// call; reading never creates a table).
    pub async fn recorded_state(
        &self,
        conn: &mut PgConnection,
    ) -> Result<RecordedState, RunnerError> {
        let probe = format!(
            "SELECT to_regclass({}) IS NOT NULL, to_regclass({}) IS NOT NULL, to_regclass({}) IS NOT NULL",
            literal(&quote_identifier(&self.version_table)),
            literal(&quote_identifier(&self.history_table)),
            literal(&quote_identifier(&self.history_index_name())),
        );
        let row = (&mut *conn)
            .fetch_one(sqlx::raw_sql(&probe))
            .await
            .map_err(|e| RunnerError::database("looking for the version tables", e))?;
        let reading = |e| RunnerError::database(format!("reading {}", self.version_table), e);
        let version_exists: bool = row.try_get(0).map_err(reading)?;
        let history_exists: bool = row.try_get(1).map_err(reading)?;
        let indexed: bool = row.try_get(2).map_err(reading)?;
        let mut state = RecordedState {
            initialized: version_exists,
            ..RecordedState::default()
        };
        let mut parts = Vec::new();
        if state.initialized {
            parts.push(format!(
                "SELECT 'head', version_num::text, NULL::text FROM {}",
                self.version()
            ));
        }
        if history_exists {
            parts.push(format!(
                "SELECT 'checksum', revision, checksum FROM ({}) checksums",
                self.last_checksums(indexed)
            ));
        }
        if parts.is_empty() {
            return Ok(state);
        }
        let union = parts.join(" UNION ALL ");
        let rows = (&mut *conn)
            .fetch_all(sqlx::raw_sql(&union))
            .await
            .map_err(reading)?;
        for row in rows {
            let kind: String = row.try_get(0).map_err(reading)?;
            let revision: String = row.try_get(1).map_err(reading)?;
            if kind == "head" {
                state.heads.push(revision);
            } else {
                state
                    .checksums
                    .insert(revision, row.try_get(2).map_err(reading)?);
            }
        }
        state.heads.sort();
        Ok(state)
    }

    /// Whether the version table exists (reading never creates it).
    pub async fn exists(&self, conn: &mut PgConnection) -> Result<bool, RunnerError> {
        table_exists(conn, &self.version_table).await
    }

    /// The heads the database is at, sorted; empty when the table does not exist.
    pub async fn heads(&self, conn: &mut PgConnection) -> Result<Vec<String>, RunnerError> {
        if !self.exists(conn).await? {
            return Ok(Vec::new());
        }
        sqlx::query_scalar(&format!(
            "SELECT version_num::text FROM {} ORDER BY version_num",
            self.version()
        ))
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| RunnerError::database(format!("reading {}", self.version_table), e))
    }

    /// For each revision, the checksum it was last applied, stamped or accepted with.
    pub async fn recorded_checksums(
        &self,
        conn: &mut PgConnection,
    ) -> Result<HashMap<String, String>, RunnerError> {
        Ok(self.recorded_state(conn).await?.checksums)
    }

    /// The whole history, oldest first; empty when the table does not exist.
    pub async fn history_rows(
        &self,
        conn: &mut PgConnection,
    ) -> Result<Vec<HistoryRow>, RunnerError> {
        if !table_exists(conn, &self.history_table).await? {
            return Ok(Vec::new());
        }
        type Row = (
            i64,
            String,
            String,
            Option<String>,
            Option<String>,
            i64,
            Option<i64>,
            String,
        );
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT id, revision::text, direction::text, checksum::text, message, (extract(epoch FROM applied_at) * 1000000)::bigint, duration_ms, applied_by FROM {} ORDER BY id",
            self.history()
        ))
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| RunnerError::database(format!("reading {}", self.history_table), e))?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    revision,
                    direction,
                    checksum,
                    message,
                    applied_at,
                    duration_ms,
                    applied_by,
                )| HistoryRow {
                    id,
                    revision,
                    event: Event::parse(&direction),
                    checksum,
                    message,
                    applied_at: DateTime::from_timestamp_micros(applied_at).unwrap_or_default(),
                    duration_ms,
                    applied_by,
                },
            )
            .collect())
    }
}

async fn table_exists(conn: &mut PgConnection, table: &str) -> Result<bool, RunnerError> {
    sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(quote_identifier(table))
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| RunnerError::database(format!("looking for table {table}"), e))
}

/// A SQL string literal (standard_conforming_strings, the default since 9.1).
pub(crate) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn list(values: &[String]) -> String {
    values
        .iter()
        .map(|v| literal(v))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_table_is_named_after_the_version_table() {
        assert_eq!(
            Bookkeeping::new("forge_version").history_table,
            "forge_history"
        );
        assert_eq!(Bookkeeping::new("app_version").history_table, "app_history");
        assert_eq!(
            Bookkeeping::new("versions").history_table,
            "versions_history"
        );
    }

    #[test]
    fn heads_sql_deletes_then_inserts() {
        let b = Bookkeeping::new("forge_version");
        assert_eq!(
            b.heads_sql(&["aaaaaaaaaaaa".into()], &["bbbbbbbbbbbb".into(), "cccccccccccc".into()]),
            "DELETE FROM \"forge_version\" WHERE version_num IN ('aaaaaaaaaaaa');\nINSERT INTO \"forge_version\" (version_num) VALUES ('bbbbbbbbbbbb'), ('cccccccccccc');\n"
        );
        assert_eq!(b.heads_sql(&[], &[]), "");
    }

    #[test]
    fn messages_are_quoted() {
        let b = Bookkeeping::new("forge_version");
        let sql = b.history_sql(
            "aaaaaaaaaaaa",
            Event::Up,
            None,
            "it's",
            Timing::Measured(Duration::from_millis(7)),
        );
        assert!(sql.contains("'it''s', 7);"), "{sql}");
        assert!(sql.contains("'up', NULL"), "{sql}");
    }

    #[test]
    fn a_version_table_name_postgresql_would_truncate_is_refused() {
        assert_eq!(Bookkeeping::new("forge_version").name_problem(), None);
        let longest_ok = format!("{}_version", "a".repeat(51));
        assert_eq!(longest_ok.len(), 59);
        assert_eq!(Bookkeeping::new(&longest_ok).name_problem(), None);
        let too_long = format!("{}_version", "a".repeat(52));
        let problem = Bookkeeping::new(&too_long).name_problem().unwrap();
        assert!(problem.contains("at most 63 bytes"), "{problem}");
        assert!(problem.contains("at most 59 bytes long"), "{problem}");
        let other = Bookkeeping::new(&"v".repeat(52)).name_problem().unwrap();
        assert!(other.contains("at most 51 bytes long"), "{other}");
        assert!(Bookkeeping::new("").name_problem().is_some());
    }
}
