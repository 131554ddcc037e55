//! The migration lock: a PostgreSQL session-level advisory lock, taken on the
//! very session that runs the migrations, polled with a deadline.
//!
//! Why that session: a lock held by a separate, idle session can be lost
//! without anyone noticing (an `idle_session_timeout`, a `pg_terminate_backend`,
//! a proxy closing idle connections) while the migrations go on, and a second
//! run then starts the same migration. Held by the running session, the lock
//! is lost only with that session, which ends the migration with it (a
//! transaction is rolled back). And no migration starts without proof that
//! the lock is held (a statement of an earlier migration could have released
//! it: `pg_advisory_unlock_all()`, `DISCARD ALL`): a transactional migration's
//! first statement takes it again for its transaction
//! (`pg_try_advisory_xact_lock`, which a session that holds the lock always
//! gets, and which nobody else can hold meanwhile); a `transaction off`
//! migration's statements are each preceded by a look at `pg_locks`.
//!
//! Why polled with `pg_try_advisory_lock`: a session waiting inside
//! `pg_advisory_lock` holds a snapshot, and `CREATE INDEX CONCURRENTLY` (run
//! by the holder) waits for every older snapshot: the two would wait on each
//! other. Between polls the waiting session is idle, outside any transaction.

use std::fmt;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sqlx::{Executor, PgConnection};

use super::error::RunnerError;

/// How often a waiting runner asks for the lock again.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// What the lock's proof reads when the lock is not held: an unknown setting,
/// so the proof fails with "unrecognized configuration parameter" (SQLSTATE
/// 42704) naming it. Raising an error from plain SQL this way costs nothing,
/// where a `DO` block is compiled on every run (~0.15 ms per migration).
pub(crate) const LOCK_NOT_HELD: &str = "forge.migration_lock_not_held";

/// The session that holds the lock, as `pg_stat_activity` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LockHolder {
    pub pid: i32,
    pub application_name: String,
    pub user: String,
    pub client: Option<String>,
    /// How long that session has been in its current state, in seconds.
    pub since_seconds: Option<i64>,
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "backend pid {}", self.pid)?;
        if !self.application_name.is_empty() {
            write!(f, " ({})", self.application_name)?;
        }
        write!(f, ", user {}", self.user)?;
        if let Some(client) = &self.client {
            write!(f, " from {client}")?;
        }
        if let Some(s) = self.since_seconds {
            write!(f, ", for {s}s")?;
        }
        Ok(())
    }
}

/// The key of the lock that serializes the migrations recorded in
/// `version_table` of `schema` (advisory locks are per database already).
/// Every runner derives it the same way from where the version table really
/// is, so the CLI and an app embedding its migrations exclude each other.
pub fn lock_key(schema: &str, version_table: &str) -> i64 {
    let identity = format!("forge-migrations:{schema}:{version_table}");
    let digest = Sha256::digest(identity.as_bytes());
    i64::from_be_bytes(digest[..8].try_into().expect("a sha256 has 8 bytes"))
}

/// The advisory lock, held by the session it was taken on until
/// [`MigrationLock::release`] (or the end of that session).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationLock {
    key: i64,
}

impl MigrationLock {
    /// Takes lock `key` on `connection`, waiting at most `timeout`. `waiting`
    /// is called once when the lock is busy, and again whenever the holder changes.
    pub async fn acquire<F: FnMut(&LockHolder) + ?Sized>(
        connection: &mut PgConnection,
        key: i64,
        timeout: Duration,
        waiting: &mut F,
    ) -> Result<MigrationLock, RunnerError> {
        let deadline = Instant::now() + timeout;
        let mut last_holder: Option<LockHolder> = None;
        loop {
            let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(key)
                .fetch_one(&mut *connection)
                .await
                .map_err(|e| RunnerError::database("taking the migration lock", e))?;
            if taken {
                return Ok(MigrationLock { key });
            }
            let holder = holder(connection, key).await?;
            if let Some(h) = &holder {
                if last_holder.as_ref().map(|l| l.pid) != Some(h.pid) {
                    waiting(h);
                }
                last_holder = holder;
            }
            if Instant::now() >= deadline {
                return Err(RunnerError::LockTimeout {
                    waited: timeout,
                    holder: last_holder,
                });
            }
            tokio::time::sleep(
                POLL_INTERVAL.min(deadline.saturating_duration_since(Instant::now())),
            )
            .await;
        }
    }

    /// A statement that fails (naming [`LOCK_NOT_HELD`]) unless the lock is
    /// held, and holds it for the rest of the transaction it runs in: a
    /// transactional migration's first message starts with it.
    pub fn held_for_transaction(&self) -> String {
        format!(
            "SELECT CASE WHEN pg_try_advisory_xact_lock({}) THEN NULL ELSE current_setting('{LOCK_NOT_HELD}') END",
            self.key
        )
    }

    /// Proves, in a round trip of its own, that `connection` still holds the
    /// lock (before each statement of a `transaction off` migration).
    pub async fn ensure_held(&self, connection: &mut PgConnection) -> Result<(), sqlx::Error> {
        let (high, low) = split_key(self.key);
        let sql = format!(
            "SELECT CASE WHEN EXISTS (SELECT FROM pg_locks \
             WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted \
             AND classid = {high} AND objid = {low} AND objsubid = 1) \
             THEN NULL ELSE current_setting('{LOCK_NOT_HELD}') END"
        );
        connection.execute(sqlx::raw_sql(&sql)).await.map(|_| ())
    }

    /// Whether `error` is the lock's proof failing.
    pub(crate) fn not_held(error: &sqlx::Error) -> bool {
        matches!(error, sqlx::Error::Database(db)
            if db.code().as_deref() == Some("42704") && db.message().contains(LOCK_NOT_HELD))
    }

    /// Frees the lock; false when the session could not be asked (it is then
    /// ending, which frees the lock anyway).
    pub async fn release(self, connection: &mut PgConnection) -> bool {
        // Only if held: unlocking a lock a migration released already would
        // make the server warn.
        let (high, low) = split_key(self.key);
        let sql = format!(
            "SELECT pg_advisory_unlock({}) FROM pg_locks \
             WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted \
             AND classid = {high} AND objid = {low} AND objsubid = 1",
            self.key
        );
        connection.execute(sqlx::raw_sql(&sql)).await.is_ok()
    }
}

/// A bigint key shows in pg_locks as classid = high 32 bits, objid = low 32
/// bits, objsubid = 1.
fn split_key(key: i64) -> (u32, u32) {
    let bits = key as u64;
    ((bits >> 32) as u32, bits as u32)
}

/// pid, application_name, user, client address, seconds in its state.
type HolderRow = (
    i32,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

/// Who holds advisory lock `key` in this database.
async fn holder(
    connection: &mut PgConnection,
    key: i64,
) -> Result<Option<LockHolder>, RunnerError> {
    let (high, low) = split_key(key);
    let row: Option<HolderRow> = sqlx::query_as(
        "SELECT a.pid, a.application_name, a.usename::text, a.client_addr::text, \
                extract(epoch FROM now() - a.state_change)::bigint \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
           AND l.classid::bigint = $1 AND l.objid::bigint = $2 \
         LIMIT 1",
    )
    .bind(i64::from(high))
    .bind(i64::from(low))
    .fetch_optional(&mut *connection)
    .await
    .map_err(|e| RunnerError::database("asking who holds the migration lock", e))?;
    Ok(row.map(
        |(pid, application_name, user, client, since_seconds)| LockHolder {
            pid,
            application_name: application_name.unwrap_or_default(),
            user: user.unwrap_or_default(),
            client,
            since_seconds,
        },
    ))
}

/// What sessions of this runner call themselves, so a waiting run (and
/// `pg_stat_activity`) can tell who holds the lock.
pub fn application_name() -> String {
    format!("forge migrate (pid {})", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_depends_on_schema_and_version_table_only() {
        assert_eq!(
            lock_key("public", "forge_version"),
            lock_key("public", "forge_version")
        );
        assert_ne!(
            lock_key("public", "forge_version"),
            lock_key("app", "forge_version")
        );
        assert_ne!(
            lock_key("public", "forge_version"),
            lock_key("public", "app_version")
        );
    }

    #[test]
    fn a_key_splits_as_pg_locks_shows_it() {
        assert_eq!(split_key(-1), (u32::MAX, u32::MAX));
        assert_eq!(split_key(0x0000_0001_0000_0002), (1, 2));
    }
}
