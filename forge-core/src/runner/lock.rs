//! The migration lock: a PostgreSQL session-level advisory lock, taken on a
//! dedicated connection that does nothing else, polled with a deadline.
//!
//! Why a dedicated connection polled with `pg_try_advisory_lock`: a session
//! waiting inside `pg_advisory_lock` holds a snapshot, and `CREATE INDEX
//! CONCURRENTLY` (run by the session that holds the lock) waits for every
//! snapshot older than its own — the two would wait on each other. Between
//! polls this connection is idle, outside any transaction. A pooled connection
//! would go back to the pool still holding the lock; this one is closed on
//! release, and if the process dies the server ends the session and frees it.

use std::fmt;
use std::time::{Duration, Instant};

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use super::error::RunnerError;

/// How often a waiting runner asks for the lock again.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

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

/// The advisory lock, held until [`MigrationLock::release`] (or the end of the
/// process: the server frees it when the session ends).
pub struct MigrationLock {
    connection: Option<PgConnection>,
    key: i64,
}

impl MigrationLock {
    /// Opens a dedicated session with `options` and takes the lock `key`,
    /// waiting at most `timeout`. `waiting` is called once when the lock is
    /// busy, and again whenever the holder changes.
    pub async fn acquire<F: FnMut(&LockHolder) + ?Sized>(
        options: &PgConnectOptions,
        key: i64,
        timeout: Duration,
        waiting: &mut F,
    ) -> Result<MigrationLock, RunnerError> {
        let url = describe(options);
        let options = options.clone().application_name(&application_name());
        let connection = crate::database::connect_with(&url, options, None).await?;
        let mut lock = MigrationLock {
            connection: Some(connection),
            key,
        };
        match lock.poll(timeout, waiting).await {
            Ok(()) => Ok(lock),
            Err(e) => {
                lock.close().await;
                Err(e)
            }
        }
    }

    async fn poll<F: FnMut(&LockHolder) + ?Sized>(
        &mut self,
        timeout: Duration,
        waiting: &mut F,
    ) -> Result<(), RunnerError> {
        let deadline = Instant::now() + timeout;
        let mut last_holder: Option<LockHolder> = None;
        let connection = self
            .connection
            .as_mut()
            .expect("an unreleased lock has its connection");
        loop {
            let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(self.key)
                .fetch_one(&mut *connection)
                .await
                .map_err(|e| RunnerError::database("taking the migration lock", e))?;
            if taken {
                return Ok(());
            }
            let holder = holder(connection, self.key).await?;
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

    /// Frees the lock and closes the session.
    pub async fn release(mut self) {
        if let Some(connection) = self.connection.as_mut() {
            let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(self.key)
                .execute(&mut *connection)
                .await;
        }
        self.close().await;
    }

    async fn close(&mut self) {
        if let Some(connection) = self.connection.take() {
            let _ = connection.close().await;
        }
    }
}

/// pid, application_name, user, client address, seconds in its state.
type HolderRow = (
    i32,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

/// Who holds advisory lock `key` in this database (a bigint key shows in
/// pg_locks as classid = high 32 bits, objid = low 32 bits, objsubid = 1).
async fn holder(
    connection: &mut PgConnection,
    key: i64,
) -> Result<Option<LockHolder>, RunnerError> {
    let row: Option<HolderRow> = sqlx::query_as(
        "SELECT a.pid, a.application_name, a.usename::text, a.client_addr::text, \
                extract(epoch FROM now() - a.state_change)::bigint \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
           AND l.classid::bigint = (($1::bigint >> 32) & 4294967295) \
           AND l.objid::bigint = ($1::bigint & 4294967295) \
         LIMIT 1",
    )
    .bind(key)
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

fn describe(options: &PgConnectOptions) -> String {
    format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("")
    )
}
