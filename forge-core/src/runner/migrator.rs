//! The runner's API: the migrations of an app ([`Migrator`]), applied,
//! reverted and stamped on a live database under the migration lock (see
//! `run.rs` for how one run goes), and the database's state read without
//! writing anything.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Executor, PgConnection, PgPool, Postgres};

use super::bookkeeping::{Bookkeeping, Event, Timing};
use super::error::{ChangedMigration, RunnerError};
use super::lock::lock_key;
use super::progress::{Applied, Progress};
use super::run::Run;
use crate::graph::{Direction, RevisionGraph, RevisionSpec, Stamp, Step};
use crate::script::{forbidden_problem, transaction_problem, MigrationScript, ScriptDirectory};

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
    statement_timeout: Option<Duration>,
}

/// Where a run works: the connection the migrations run on (it also holds
/// the migration lock), and the options that open another session on the
/// same database — to read back what is true when that connection fails.
pub struct Session<'c> {
    pub connection: &'c mut PgConnection,
    pub options: PgConnectOptions,
}

impl<'c> Session<'c> {
    pub fn new(connection: &'c mut PgConnection, options: PgConnectOptions) -> Self {
        Session {
            connection,
            options,
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
            statement_timeout: None,
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

    /// The schema the tables live in, set as the search_path at the top of
    /// offline scripts. (Online, the session's search_path is the caller's,
    /// and the lock is named after the schema the session really uses.)
    pub fn with_schema(mut self, schema: Option<&str>) -> Self {
        self.schema = schema.map(str::to_string);
        self
    }

    /// How long to wait for another run's lock before giving up.
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// The longest any one statement of a run may take (PostgreSQL's
    /// `statement_timeout` for the run's session; `None`: the session's own).
    pub fn with_statement_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.statement_timeout = timeout;
        self
    }

    pub fn lock_timeout(&self) -> Duration {
        self.lock_timeout
    }

    pub fn statement_timeout(&self) -> Option<Duration> {
        self.statement_timeout
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

    /// The migration lock's key when the version table lives in `schema`
    /// (the CLI and an embedding app derive it alike, so they exclude each other).
    pub fn lock_key(&self, schema: &str) -> i64 {
        lock_key(schema, &self.bookkeeping.version_table)
    }

    // --- on a pool (what an embedding app calls) ---

    /// Upgrades to `target` (`heads`, `head`, `+1`, a revision...) on one of
    /// the pool's connections, which holds the migration lock meanwhile.
    pub async fn upgrade(&self, pool: &PgPool, target: &str) -> Result<Vec<Applied>, RunnerError> {
        let spec: RevisionSpec = target.parse()?;
        let mut lease = Lease::acquire(pool).await?;
        let options = (*pool.connect_options()).clone();
        let session = Session::new(lease.connection(), options);
        let result = self
            .upgrade_with(session, &spec, &UpgradeOptions::default(), &mut ())
            .await;
        lease.give_back(&result);
        result
    }

    /// Downgrades to `target` (`-1`, `base`, a revision...).
    pub async fn downgrade(
        &self,
        pool: &PgPool,
        target: &str,
    ) -> Result<Vec<Applied>, RunnerError> {
        let spec: RevisionSpec = target.parse()?;
        let mut lease = Lease::acquire(pool).await?;
        let options = (*pool.connect_options()).clone();
        let session = Session::new(lease.connection(), options);
        let result = self.downgrade_with(session, &spec, &mut ()).await;
        lease.give_back(&result);
        result
    }

    /// The database's state (read-only).
    pub async fn current(&self, pool: &PgPool) -> Result<Status, RunnerError> {
        let mut connection = pool
            .acquire()
            .await
            .map_err(|e| RunnerError::database("taking a connection from the pool", e))?;
        self.status(&mut connection).await
    }

    // --- on a session (what the CLI calls) ---

    /// Reads the database's state; never creates or changes anything.
    pub async fn status(&self, conn: &mut PgConnection) -> Result<Status, RunnerError> {
        self.bookkeeping.check_names()?;
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
        self.bookkeeping.check_names()?;
        let mut run = Run::begin(self, session, progress).await?;
        let result = self
            .upgrade_locked(&mut run, target, options, progress)
            .await;
        run.end().await;
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
        self.bookkeeping.check_names()?;
        let mut run = Run::begin(self, session, progress).await?;
        let result = self.downgrade_locked(&mut run, target, progress).await;
        run.end().await;
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
        self.bookkeeping.check_names()?;
        let mut run = Run::begin(self, session, progress).await?;
        let result = self.stamp_locked(run.connection(), targets, purge).await;
        run.end().await;
        result
    }

    async fn downgrade_locked<P: Progress + ?Sized>(
        &self,
        run: &mut Run<'_, '_>,
        target: &RevisionSpec,
        progress: &mut P,
    ) -> Result<Vec<Applied>, RunnerError> {
        let heads = self.bookkeeping.heads(run.connection()).await?;
        let steps = self.graph.plan_downgrade(&heads, target)?;
        self.check_plan(&steps)?;
        run.run_steps(&steps, progress).await
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
        run: &mut Run<'_, '_>,
        target: &RevisionSpec,
        options: &UpgradeOptions,
        progress: &mut P,
    ) -> Result<Vec<Applied>, RunnerError> {
        let conn = run.connection();
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
        run.run_steps(&steps, progress).await
    }

    /// Refuses a plan that cannot run as written, before anything runs.
    pub(crate) fn check_plan(&self, steps: &[Step<'_>]) -> Result<(), RunnerError> {
        for step in steps {
            let script = step.revision;
            if let Some(problem) = forbidden_problem(script) {
                return Err(RunnerError::ForbiddenStatement {
                    revision: script.revision.clone(),
                    problem,
                });
            }
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
}

/// A connection taken from an app's pool for a run. It goes back to the pool
/// only after a successful run; otherwise (an error, or the run's future
/// dropped midway) it is closed, which ends its session — and any lock or
/// transaction with it.
struct Lease {
    connection: Option<PoolConnection<Postgres>>,
}

impl Lease {
    async fn acquire(pool: &PgPool) -> Result<Lease, RunnerError> {
        let connection = pool
            .acquire()
            .await
            .map_err(|e| RunnerError::database("taking a connection from the pool", e))?;
        Ok(Lease {
            connection: Some(connection),
        })
    }

    fn connection(&mut self) -> &mut PgConnection {
        self.connection
            .as_mut()
            .expect("a lease holds its connection until given back")
    }

    /// Returns the connection to the pool after a successful run (errors are
    /// rare: closing the connection then costs one reconnect, and never hands
    /// the app a session in an unknown state).
    fn give_back<T>(mut self, result: &Result<T, RunnerError>) {
        if result.is_ok() {
            drop(self.connection.take());
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            drop(connection.detach());
        }
    }
}

async fn execute_batch(conn: &mut PgConnection, sql: &str, doing: &str) -> Result<(), RunnerError> {
    if let Err(error) = (&mut *conn).execute(sqlx::raw_sql(sql)).await {
        let _ = (&mut *conn).execute(sqlx::raw_sql("ROLLBACK")).await;
        return Err(RunnerError::database(doing, error));
    }
    Ok(())
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
