//! The runner: applies, reverts and stamps migrations on a live database, each
//! migration in its own transaction together with its bookkeeping, serialized
//! by the migration lock.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgDatabaseError, PgErrorPosition};
use sqlx::{Executor, PgConnection, PgPool};

use super::bookkeeping::{Bookkeeping, Event, Timing};
use super::error::{ChangedMigration, RunnerError};
use super::lock::MigrationLock;
use super::progress::{Applied, Progress};
use crate::graph::{Direction, RevisionGraph, RevisionSpec, Stamp, Step};
use crate::script::{transaction_problem, MigrationScript, ScriptDirectory, Statement};

/// How long a run waits for another run's lock by default.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// The migrations of an app and how they are recorded. Built once (from a
/// directory, or from files embedded in the binary), then used on any database.
///
/// ```ignore
/// static FILES: &[(&str, &str)] = &[
///     ("20251224_0327_init.sql", include_str!("../migrations/versions/20251224_0327_init.sql")),
/// ];
/// let migrator = Migrator::from_sources(FILES)?;
/// migrator.upgrade(&pool, "heads").await?;
/// ```
#[derive(Debug, Clone)]
pub struct Migrator {
    graph: RevisionGraph,
    bookkeeping: Bookkeeping,
    schema: Option<String>,
    lock_timeout: Duration,
}

/// Where a run works: the connection the migrations run on, and the options
/// to open the dedicated lock session with (the same server and database).
pub struct Session<'c> {
    pub connection: &'c mut PgConnection,
    pub lock_options: PgConnectOptions,
}

impl<'c> Session<'c> {
    pub fn new(connection: &'c mut PgConnection, lock_options: PgConnectOptions) -> Self {
        Session {
            connection,
            lock_options,
        }
    }
}

/// Options of an upgrade.
#[derive(Debug, Clone, Default)]
pub struct UpgradeOptions {
    /// Revisions (ids, prefixes or labels) whose changed files are accepted as
    /// they are now; each acceptance is recorded in the history.
    pub accept_changed: Vec<String>,
}

/// The database's migration state, read without writing anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// The rows of the version table, sorted (empty: base).
    pub heads: Vec<String>,
    /// Whether the version table exists at all.
    pub initialized: bool,
    /// Heads no migration file defines.
    pub unknown: Vec<String>,
    /// Revisions not applied yet, in the order an upgrade would apply them.
    pub pending: Vec<String>,
    /// Applied migrations whose file changed since.
    pub changed: Vec<ChangedMigration>,
}

impl Migrator {
    /// A migrator over these scripts (validated as a revision graph).
    pub fn new(scripts: Vec<MigrationScript>) -> Result<Self, RunnerError> {
        Ok(Migrator {
            graph: RevisionGraph::new(scripts)?,
            bookkeeping: Bookkeeping::new("forge_version"),
            schema: None,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        })
    }

    /// The migrations of a directory (`migrations/versions`).
    pub fn from_directory(dir: &Path) -> Result<Self, RunnerError> {
        Self::new(ScriptDirectory::load(dir)?.scripts)
    }

    /// Migrations embedded in the binary: (file name, text) pairs, e.g. from `include_str!`.
    pub fn from_sources(files: &[(&str, &str)]) -> Result<Self, RunnerError> {
        let scripts = files
            .iter()
            .map(|(name, text)| MigrationScript::parse(Path::new(name), text))
            .collect::<Result<Vec<_>, _>>()?;
        let directory = ScriptDirectory::from_scripts(PathBuf::from("<embedded>"), scripts)?;
        Self::new(directory.scripts)
    }

    /// The version table's name (default `forge_version`; the history table is
    /// named after it).
    pub fn with_version_table(mut self, name: &str) -> Self {
        self.bookkeeping = Bookkeeping::new(name);
        self
    }

    /// The schema the tables live in: part of the lock's identity, and set as
    /// the search_path at the top of offline scripts. (Online, the session's
    /// search_path is the caller's.)
    pub fn with_schema(mut self, schema: Option<&str>) -> Self {
        self.schema = schema.map(str::to_string);
        self
    }

    /// How long to wait for another run's lock before giving up.
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    pub fn graph(&self) -> &RevisionGraph {
        &self.graph
    }

    pub fn bookkeeping(&self) -> &Bookkeeping {
        &self.bookkeeping
    }

    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The advisory lock key: one per schema and version table, so two apps'
    /// migrations in one database do not wait for each other.
    pub fn lock_key(&self) -> i64 {
        let identity = format!(
            "forge-migrations:{}:{}",
            self.schema.as_deref().unwrap_or(""),
            self.bookkeeping.version_table
        );
        let digest = Sha256::digest(identity.as_bytes());
        i64::from_be_bytes(digest[..8].try_into().expect("a sha256 has 8 bytes"))
    }

    // --- on a pool (what an embedding app calls) ---

    /// Upgrades to `target` (`heads`, `head`, `+1`, a revision...) on one of the
    /// pool's connections, with the lock on a dedicated session.
    pub async fn upgrade(&self, pool: &PgPool, target: &str) -> Result<Vec<Applied>, RunnerError> {
        let spec: RevisionSpec = target.parse()?;
        let mut connection = acquire(pool).await?;
        let session = Session::new(&mut connection, (*pool.connect_options()).clone());
        self.upgrade_with(session, &spec, &UpgradeOptions::default(), &mut ())
            .await
    }

    /// Downgrades to `target` (`-1`, `base`, a revision...).
    pub async fn downgrade(
        &self,
        pool: &PgPool,
        target: &str,
    ) -> Result<Vec<Applied>, RunnerError> {
        let spec: RevisionSpec = target.parse()?;
        let mut connection = acquire(pool).await?;
        let session = Session::new(&mut connection, (*pool.connect_options()).clone());
        self.downgrade_with(session, &spec, &mut ()).await
    }

    /// The database's state (read-only).
    pub async fn current(&self, pool: &PgPool) -> Result<Status, RunnerError> {
        let mut connection = acquire(pool).await?;
        self.status(&mut connection).await
    }

    // --- on a session (what the CLI calls) ---

    /// Reads the database's state; never creates or changes anything.
    pub async fn status(&self, conn: &mut PgConnection) -> Result<Status, RunnerError> {
        let recorded = self.bookkeeping.recorded_state(conn).await?;
        let (known, unknown): (Vec<String>, Vec<String>) = recorded
            .heads
            .iter()
            .cloned()
            .partition(|h| self.graph.get(h).is_some());
        let pending = self
            .graph
            .pending(&known)?
            .into_iter()
            .map(|s| s.revision.clone())
            .collect();
        let changed = self.changed_since(&recorded.checksums, &known)?;
        Ok(Status {
            heads: recorded.heads,
            initialized: recorded.initialized,
            unknown,
            pending,
            changed,
        })
    }

    /// Applied migrations (at `heads`) whose file's checksum differs from the
    /// one recorded when they were applied, stamped or last accepted.
    pub async fn changed(
        &self,
        conn: &mut PgConnection,
        heads: &[String],
    ) -> Result<Vec<ChangedMigration>, RunnerError> {
        let recorded = self.bookkeeping.recorded_checksums(conn).await?;
        self.changed_since(&recorded, heads)
    }

    fn changed_since(
        &self,
        recorded: &HashMap<String, String>,
        heads: &[String],
    ) -> Result<Vec<ChangedMigration>, RunnerError> {
        let applied = self.graph.applied(heads)?;
        Ok(applied
            .into_iter()
            .filter_map(|revision| {
                let script = self.graph.get(revision)?;
                let old = recorded.get(revision)?;
                (*old != script.checksum).then(|| ChangedMigration {
                    revision: revision.to_string(),
                    file: script.path.clone(),
                    recorded: old.clone(),
                    current: script.checksum.clone(),
                })
            })
            .collect())
    }

    /// Upgrades to `target` under the lock. Refuses (running nothing) when the
    /// plan contains a migration that cannot run as written, or when an applied
    /// migration's file changed and was not accepted.
    pub async fn upgrade_with<P: Progress + ?Sized>(
        &self,
        session: Session<'_>,
        target: &RevisionSpec,
        options: &UpgradeOptions,
        progress: &mut P,
    ) -> Result<Vec<Applied>, RunnerError> {
        let held = self.lock(&session, progress).await?;
        let result = self
            .upgrade_locked(session.connection, target, options, progress)
            .await;
        held.release().await;
        result
    }

    /// Downgrades to `target` under the lock. Refuses (running nothing) when a
    /// migration on the way has an empty downgrade section.
    pub async fn downgrade_with<P: Progress + ?Sized>(
        &self,
        session: Session<'_>,
        target: &RevisionSpec,
        progress: &mut P,
    ) -> Result<Vec<Applied>, RunnerError> {
        let held = self.lock(&session, progress).await?;
        let result = self
            .downgrade_locked(session.connection, target, progress)
            .await;
        held.release().await;
        result
    }

    /// Sets the version table to `targets` without running any migration
    /// (`purge`: whatever the table held, even unknown revisions, is dropped first).
    pub async fn stamp_with<P: Progress + ?Sized>(
        &self,
        session: Session<'_>,
        targets: &[RevisionSpec],
        purge: bool,
        progress: &mut P,
    ) -> Result<Stamp, RunnerError> {
        let held = self.lock(&session, progress).await?;
        let result = self.stamp_locked(session.connection, targets, purge).await;
        held.release().await;
        result
    }

    /// Takes the lock (a run's first step; [`MigrationLock::release`] is its last, on every path).
    async fn lock<P: Progress + ?Sized>(
        &self,
        session: &Session<'_>,
        progress: &mut P,
    ) -> Result<MigrationLock, RunnerError> {
        MigrationLock::acquire(
            &session.lock_options,
            self.lock_key(),
            self.lock_timeout,
            &mut |holder| progress.lock_busy(holder),
        )
        .await
    }

    async fn downgrade_locked<P: Progress + ?Sized>(
        &self,
        conn: &mut PgConnection,
        target: &RevisionSpec,
        progress: &mut P,
    ) -> Result<Vec<Applied>, RunnerError> {
        let heads = self.bookkeeping.heads(conn).await?;
        let steps = self.graph.plan_downgrade(&heads, target)?;
        self.check_plan(&steps)?;
        self.run_steps(conn, &steps, progress).await
    }

    async fn stamp_locked(
        &self,
        conn: &mut PgConnection,
        targets: &[RevisionSpec],
        purge: bool,
    ) -> Result<Stamp, RunnerError> {
        let heads = if purge {
            Vec::new()
        } else {
            self.bookkeeping.heads(conn).await?
        };
        let (stamp, sql) =
            self.stamp_plan(&heads, targets, purge, Timing::Measured(Duration::ZERO))?;
        let sql = format!("{}BEGIN;\n{sql}COMMIT;", self.bookkeeping.create_sql());
        execute_batch(conn, &sql, "recording the stamp").await?;
        Ok(stamp)
    }

    async fn upgrade_locked<P: Progress + ?Sized>(
        &self,
        conn: &mut PgConnection,
        target: &RevisionSpec,
        options: &UpgradeOptions,
        progress: &mut P,
    ) -> Result<Vec<Applied>, RunnerError> {
        let heads = self.bookkeeping.heads(conn).await?;
        let steps = self.graph.plan_upgrade(&heads, target)?;
        self.check_plan(&steps)?;
        let mut changed = self.changed(conn, &heads).await?;
        let mut accepted = Vec::new();
        for name in &options.accept_changed {
            let script = self.graph.lookup(name)?;
            let Some(position) = changed.iter().position(|c| c.revision == script.revision) else {
                let reason = if self
                    .graph
                    .applied(&heads)?
                    .contains(&script.revision.as_str())
                {
                    "its file has not changed since it was applied"
                } else {
                    "it is not applied to this database"
                };
                return Err(RunnerError::NothingToAccept {
                    revision: script.revision.clone(),
                    reason: reason.to_string(),
                });
            };
            accepted.push(changed.remove(position));
        }
        if !changed.is_empty() {
            return Err(RunnerError::ChangedMigrations { changed });
        }
        if !accepted.is_empty() {
            let mut sql = String::from("BEGIN;\n");
            for c in &accepted {
                let message = self
                    .graph
                    .get(&c.revision)
                    .map_or("", |s| s.message.as_str());
                sql.push_str(&self.bookkeeping.history_sql(
                    &c.revision,
                    Event::Accept,
                    Some(&c.current),
                    message,
                    Timing::Measured(Duration::ZERO),
                ));
            }
            sql.push_str("COMMIT;");
            execute_batch(conn, &sql, "recording the accepted checksums").await?;
            for c in &accepted {
                progress.accepted(c);
            }
        }
        self.run_steps(conn, &steps, progress).await
    }

    /// Refuses a plan that cannot run as written, before anything runs.
    pub(crate) fn check_plan(&self, steps: &[Step<'_>]) -> Result<(), RunnerError> {
        for step in steps {
            let script = step.revision;
            if let Some(problem) = transaction_problem(script) {
                return Err(RunnerError::NeedsTransactionOff {
                    revision: script.revision.clone(),
                    problem,
                });
            }
            let empty = step.section().is_none_or(|s| s.statements.is_empty());
            // A revision without upgrade statements (a merge) has nothing to undo.
            if step.direction == Direction::Down && empty && !script.upgrade.statements.is_empty() {
                return Err(RunnerError::EmptyDowngrade {
                    revision: script.revision.clone(),
                    message: script.message.clone(),
                    file: script.path.clone(),
                });
            }
        }
        Ok(())
    }

    /// The version-table and history SQL of a stamp.
    pub(crate) fn stamp_plan(
        &self,
        heads: &[String],
        targets: &[RevisionSpec],
        purge: bool,
        timing: Timing,
    ) -> Result<(Stamp, String), RunnerError> {
        let mut resolved: Vec<String> = Vec::new();
        for target in targets {
            for revision in self.graph.resolve(target, heads)? {
                if !resolved.contains(&revision) {
                    resolved.push(revision);
                }
            }
        }
        let stamp = self.graph.stamp(heads, &resolved)?;
        let mut sql = if purge {
            self.bookkeeping.purge_sql() + &self.bookkeeping.heads_sql(&[], &stamp.heads)
        } else {
            self.bookkeeping
                .heads_sql(&stamp.remove_heads, &stamp.add_heads)
        };
        if resolved.is_empty() {
            sql.push_str(&self.bookkeeping.history_sql(
                "base",
                Event::Stamp,
                None,
                "stamp base",
                timing,
            ));
        }
        for revision in &resolved {
            let script = self.graph.get(revision).expect("resolved revisions exist");
            sql.push_str(&self.bookkeeping.history_sql(
                revision,
                Event::Stamp,
                Some(&script.checksum),
                &script.message,
                timing,
            ));
        }
        Ok((stamp, sql))
    }

    async fn run_steps<P: Progress + ?Sized>(
        &self,
        conn: &mut PgConnection,
        steps: &[Step<'_>],
        progress: &mut P,
    ) -> Result<Vec<Applied>, RunnerError> {
        if steps.is_empty() {
            return Ok(Vec::new());
        }
        execute_batch(
            conn,
            &self.bookkeeping.create_sql(),
            "creating the version tables",
        )
        .await?;
        let guarded = guard_disconnect(conn).await;
        let result = self.run_each(conn, steps, progress).await;
        if guarded {
            let _ = (&mut *conn)
                .execute(sqlx::raw_sql("RESET client_connection_check_interval"))
                .await;
        }
        result
    }

    async fn run_each<P: Progress + ?Sized>(
        &self,
        conn: &mut PgConnection,
        steps: &[Step<'_>],
        progress: &mut P,
    ) -> Result<Vec<Applied>, RunnerError> {
        let mut done = Vec::with_capacity(steps.len());
        for (i, step) in steps.iter().enumerate() {
            tracing::info!(
                revision = %step.revision.revision,
                direction = ?step.direction,
                file = %step.revision.path.display(),
                statements = step.section().map_or(0, |s| s.statements.len()),
                "migration started"
            );
            progress.started(step);
            let applied = self.run_step(conn, step, i + 1 == steps.len()).await?;
            tracing::info!(
                revision = %applied.revision,
                direction = ?applied.direction,
                file = %applied.file.display(),
                duration_ms = applied.duration.as_secs_f64() * 1000.0,
                "migration finished"
            );
            progress.finished(&applied);
            done.push(applied);
        }
        Ok(done)
    }

    /// One migration. Transactional: `BEGIN` travels with the first statement
    /// and the bookkeeping and `COMMIT` with the last, so a one-statement
    /// migration costs one round trip (the history's duration is then measured
    /// by the server's clock, from the transaction's start). `transaction off`:
    /// each statement on its own, then the bookkeeping in a transaction, only
    /// after all of them succeeded.
    ///
    /// Every commit but the run's last is asynchronous (`synchronous_commit =
    /// off` for that transaction only): the last, synchronous commit flushes the
    /// WAL up to it, so a finished run is exactly as durable, and a server crash
    /// mid-run loses whole migrations with their bookkeeping, never one without
    /// the other. It saves a WAL flush per migration.
    async fn run_step(
        &self,
        conn: &mut PgConnection,
        step: &Step<'_>,
        last: bool,
    ) -> Result<Applied, RunnerError> {
        let begin = if last {
            "BEGIN;\n"
        } else {
            "BEGIN;\nSET LOCAL synchronous_commit = off;\n"
        };
        let script = step.revision;
        let statements: &[Statement] = step.section().map_or(&[], |s| &s.statements);
        let transactional = script.transactional;
        let started = Instant::now();
        let recording = |timing| format!("{}COMMIT;", self.bookkeeping.step_sql(step, timing));
        let recorded_with_last_statement = transactional && !statements.is_empty();
        for (i, statement) in statements.iter().enumerate() {
            let prefix = if transactional && i == 0 { begin } else { "" };
            // A newline first: the statement may end in a `--` comment.
            let suffix = if recorded_with_last_statement && i + 1 == statements.len() {
                format!("\n;\n{}", recording(Timing::ServerClock))
            } else {
                String::new()
            };
            let sql = format!("{prefix}{}{suffix}", statement.sql);
            tracing::debug!(
                revision = %script.revision,
                statement = i + 1,
                statements = statements.len(),
                line = statement.line,
                "statement started"
            );
            if let Err(error) = (&mut *conn).execute(sqlx::raw_sql(&sql)).await {
                if transactional {
                    let _ = (&mut *conn).execute(sqlx::raw_sql("ROLLBACK")).await;
                }
                if !suffix.is_empty()
                    && failed_after(&error, prefix.len() + statement.sql.chars().count())
                {
                    return Err(self.recording_failed(script, error));
                }
                return Err(statement_failed(
                    script,
                    statement,
                    prefix.len(),
                    transactional,
                    error,
                ));
            }
        }
        let duration = started.elapsed();
        if !recorded_with_last_statement {
            let sql = format!("{begin}{}", recording(Timing::Measured(duration)));
            if let Err(error) = (&mut *conn).execute(sqlx::raw_sql(&sql)).await {
                let _ = (&mut *conn).execute(sqlx::raw_sql("ROLLBACK")).await;
                return Err(self.recording_failed(script, error));
            }
        }
        Ok(Applied {
            revision: script.revision.clone(),
            message: script.message.clone(),
            direction: step.direction,
            file: script.path.clone(),
            duration,
            transactional,
        })
    }
}

impl Migrator {
    fn recording_failed(&self, script: &MigrationScript, error: sqlx::Error) -> RunnerError {
        RunnerError::database(
            format!(
                "recording revision {} in {}",
                script.revision, self.bookkeeping.version_table
            ),
            error,
        )
    }
}

/// Whether the server placed `error` past the first `chars` characters of the
/// message (in the bookkeeping that follows a migration's last statement).
fn failed_after(error: &sqlx::Error, chars: usize) -> bool {
    let position = match error {
        sqlx::Error::Database(db) => db
            .try_downcast_ref::<PgDatabaseError>()
            .and_then(|e| e.position()),
        _ => None,
    };
    matches!(position, Some(PgErrorPosition::Original(p)) if p > chars)
}

async fn acquire(pool: &PgPool) -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>, RunnerError> {
    pool.acquire()
        .await
        .map_err(|e| RunnerError::database("taking a connection from the pool", e))
}

async fn execute_batch(conn: &mut PgConnection, sql: &str, doing: &str) -> Result<(), RunnerError> {
    if let Err(error) = (&mut *conn).execute(sqlx::raw_sql(sql)).await {
        let _ = (&mut *conn).execute(sqlx::raw_sql("ROLLBACK")).await;
        return Err(RunnerError::database(doing, error));
    }
    Ok(())
}

/// If the client dies mid-migration (kill -9), the server notices only when it
/// next talks to it — after a long statement ends. Asking it to check the
/// socket every second (PostgreSQL 14+) ends such an orphaned session, and its
/// transaction, promptly. Returns whether it was set.
async fn guard_disconnect(conn: &mut PgConnection) -> bool {
    let version: Result<i32, _> =
        sqlx::query_scalar("SELECT current_setting('server_version_num')::int")
            .fetch_one(&mut *conn)
            .await;
    if !matches!(version, Ok(v) if v >= 140000) {
        return false;
    }
    (&mut *conn)
        .execute(sqlx::raw_sql("SET client_connection_check_interval = '1s'"))
        .await
        .is_ok()
}

/// The error of a migration's statement: revision, file, the line the server
/// points at (or the statement's first line), and the server's own words.
fn statement_failed(
    script: &MigrationScript,
    statement: &Statement,
    prefix_chars: usize,
    transactional: bool,
    error: sqlx::Error,
) -> RunnerError {
    let mut line = statement.line;
    let (message, detail, hint) = match &error {
        sqlx::Error::Database(db) => {
            let pg = db.try_downcast_ref::<PgDatabaseError>();
            if let Some(PgErrorPosition::Original(position)) = pg.and_then(|e| e.position()) {
                let offset = position.saturating_sub(1).saturating_sub(prefix_chars);
                line += statement
                    .sql
                    .chars()
                    .take(offset)
                    .filter(|&c| c == '\n')
                    .count();
            }
            (
                db.message().to_string(),
                pg.and_then(|e| e.detail()).map(str::to_string),
                pg.and_then(|e| e.hint()).map(str::to_string),
            )
        }
        other => (crate::database::redact_text(&other.to_string()), None, None),
    };
    RunnerError::StatementFailed {
        revision: script.revision.clone(),
        file: script.path.clone(),
        line,
        message,
        detail,
        hint,
        transactional,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    /// An app spawns its migrations (`tokio::spawn`): every run's future must
    /// be `Send`. (sqlx's `raw_sql(..).execute(conn)` futures are not provably
    /// so; the runner calls the `Executor` methods instead.)
    #[allow(dead_code)]
    fn runs_are_send<P: Progress + Send + ?Sized>(
        migrator: &Migrator,
        pool: &PgPool,
        conn: &mut PgConnection,
        options: &PgConnectOptions,
        progress: &mut P,
    ) {
        assert_send(&migrator.upgrade(pool, "heads"));
        assert_send(&migrator.downgrade(pool, "base"));
        assert_send(&migrator.current(pool));
        assert_send(&migrator.upgrade_with(
            Session::new(conn, options.clone()),
            &RevisionSpec::Heads,
            &UpgradeOptions::default(),
            progress,
        ));
        let session = Session::new(conn, options.clone());
        assert_send(&migrator.downgrade_with(session, &RevisionSpec::Heads, progress));
        let session = Session::new(conn, options.clone());
        assert_send(&migrator.stamp_with(session, &[], false, progress));
        assert_send(&migrator.status(conn));
    }
}
