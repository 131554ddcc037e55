//! One run on a session: the lock and the session settings a run needs, each
//! migration in its own durable transaction with its bookkeeping, and, after
//! a failure whose outcome did not arrive, the truth read back from the
//! database rather than assumed.
//!
//! Every migration's commit is synchronous (a session whose server turned
//! `synchronous_commit` off gets it on for the run): a migration is reported
//! applied right after its commit, and a crash of the server at any moment
//! later cannot take it back. It costs one WAL flush per migration, which
//! `psql -f` of the same script pays too.

use std::time::Instant;

use sqlx::postgres::{PgConnectOptions, PgDatabaseError, PgErrorPosition, PgSeverity};
use sqlx::{Connection, Executor, PgConnection, Row};

use super::bookkeeping::Timing;
use super::error::{Outcome, RunnerError, INSUFFICIENT_PRIVILEGE, PRIVILEGE_HINT};
use super::invalid_index::invalid_indexes;
use super::lock::{lock_key, MigrationLock};
use super::migrator::{Migrator, Session};
use super::progress::{Applied, Progress};
use crate::database::{quote_identifier, redact_text, sql_literal, CONNECT_TIMEOUT};
use crate::graph::{Direction, Step};
use crate::script::{MigrationScript, Statement};
use crate::terminal::escape_controls;

/// A run in progress: the session, the lock it holds, and what to restore.
pub(crate) struct Run<'m, 'c> {
    migrator: &'m Migrator,
    connection: &'c mut PgConnection,
    options: PgConnectOptions,
    /// Where the (unqualified) version table lives: the session's current schema.
    schema: String,
    /// The run's backend: pid and start (in µs since the epoch), which name
    /// it even if the pid is reused later.
    backend: (i32, i64),
    lock: MigrationLock,
    /// Session settings changed for the run, with the values to restore.
    restore: Vec<(&'static str, String)>,
}

/// How a migration failed.
enum StepFailure {
    /// The server refused a statement and the session is intact: nothing of
    /// the migration's transaction committed; `in_transaction` when that
    /// transaction is still open (aborted), to be rolled back.
    Refused {
        error: RunnerError,
        in_transaction: bool,
    },
    /// The session ended or broke before the outcome arrived.
    Lost(String),
}

impl<'m, 'c> Run<'m, 'c> {
    /// Takes the lock on the session and applies the run's session settings.
    pub(crate) async fn begin<P: Progress + ?Sized>(
        migrator: &'m Migrator,
        session: Session<'c>,
        progress: &mut P,
    ) -> Result<Run<'m, 'c>, RunnerError> {
        let Session {
            connection,
            options,
        } = session;
        let row = connection
            .fetch_one(sqlx::raw_sql(
                "SELECT coalesce(current_schema(), '')::text, current_setting('server_version_num')::int, \
                 current_setting('statement_timeout'), current_setting('client_connection_check_interval', true), \
                 current_setting('synchronous_commit'), pg_backend_pid(), \
                 (SELECT (extract(epoch FROM backend_start) * 1000000)::bigint FROM pg_stat_activity WHERE pid = pg_backend_pid())",
            ))
            .await
            .map_err(|e| RunnerError::database("reading the session's schema", e))?;
        let reading = |e| RunnerError::database("reading the session's settings", e);
        let schema: String = row.try_get(0).map_err(reading)?;
        let version: i32 = row.try_get(1).map_err(reading)?;
        let statement_timeout: String = row.try_get(2).map_err(reading)?;
        let check_interval: Option<String> = row.try_get(3).map_err(reading)?;
        let synchronous_commit: String = row.try_get(4).map_err(reading)?;
        let backend: (i32, Option<i64>) = (
            row.try_get(5).map_err(reading)?,
            row.try_get(6).map_err(reading)?,
        );
        let key = lock_key(&schema, &migrator.bookkeeping().version_table);
        let lock =
            MigrationLock::acquire(connection, key, migrator.lock_timeout(), &mut |holder| {
                progress.lock_busy(holder)
            })
            .await?;
        let mut run = Run {
            migrator,
            connection,
            options,
            schema,
            backend: (backend.0, backend.1.unwrap_or_default()),
            lock,
            restore: Vec::new(),
        };
        let mut settings: Vec<(&'static str, String, String)> = Vec::new();
        // If the client dies mid-migration (kill -9), the server notices only
        // when it next talks to it — after a long statement ends. Checking the
        // socket every second (PostgreSQL 14+) ends such an orphaned session,
        // its transaction and its lock, promptly.
        if let (true, Some(old)) = (version >= 140000, check_interval) {
            settings.push(("client_connection_check_interval", "1s".into(), old));
        }
        // A migration reported applied must survive a crash of the server.
        if synchronous_commit == "off" {
            settings.push(("synchronous_commit", "on".into(), synchronous_commit));
        }
        if let Some(timeout) = migrator.statement_timeout() {
            let value = format!("{}ms", timeout.as_millis().max(1));
            settings.push(("statement_timeout", value, statement_timeout));
        }
        if !settings.is_empty() {
            let sql = settings
                .iter()
                .map(|(name, value, _)| {
                    format!(
                        "set_config({}, {}, false)",
                        sql_literal(name),
                        sql_literal(value)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            if let Err(e) = run
                .connection
                .execute(sqlx::raw_sql(&format!("SELECT {sql}")))
                .await
            {
                run.end().await;
                return Err(RunnerError::database("setting up the session", e));
            }
            run.restore = settings
                .into_iter()
                .map(|(name, _, old)| (name, old))
                .collect();
        }
        Ok(run)
    }

    pub(crate) fn connection(&mut self) -> &mut PgConnection {
        self.connection
    }

    /// Restores the session settings and frees the lock; false when the
    /// session no longer answers (a pooled connection must then be closed).
    pub(crate) async fn end(self) -> bool {
        let mut clean = true;
        if !self.restore.is_empty() {
            let sql = self
                .restore
                .iter()
                .map(|(name, old)| {
                    format!(
                        "set_config({}, {}, false)",
                        sql_literal(name),
                        sql_literal(old)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            clean &= self
                .connection
                .execute(sqlx::raw_sql(&format!("SELECT {sql}")))
                .await
                .is_ok();
        }
        clean & self.lock.release(self.connection).await
    }

    /// Runs `steps` in order, reporting each to `progress` once it committed.
    pub(crate) async fn run_steps<P: Progress + ?Sized>(
        &mut self,
        steps: &[Step<'_>],
        progress: &mut P,
    ) -> Result<Vec<Applied>, RunnerError> {
        // Nothing to run: the tables are not created, but tables an older
        // Forge created get what they lack (the history's index).
        if steps.is_empty() && !self.migrator.bookkeeping().exists(self.connection).await? {
            return Ok(Vec::new());
        }
        let create = self.migrator.bookkeeping().create_sql();
        if let Err(e) = self.connection.execute(sqlx::raw_sql(&create)).await {
            let _ = self.connection.execute(sqlx::raw_sql("ROLLBACK")).await;
            return Err(RunnerError::database("creating the version tables", e));
        }
        let mut done = Vec::with_capacity(steps.len());
        for step in steps {
            tracing::info!(
                revision = %step.revision.revision,
                direction = ?step.direction,
                file = %step.revision.path.display(),
                statements = step.section().map_or(0, |s| s.statements.len()),
                "migration started"
            );
            progress.started(step);
            match self.run_step(step).await {
                Ok(applied) => {
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
                Err(failure) => return Err(self.after_failure(step, failure).await),
            }
        }
        Ok(done)
    }

    /// One migration. Transactional: `BEGIN` and the lock's proof travel with
    /// the first statement, the bookkeeping and `COMMIT` with the last, so a
    /// one-statement migration costs one round trip (the history's duration is
    /// then measured by the server's clock, from the transaction's start).
    /// `transaction off`: the lock's proof, then each statement on its own;
    /// then, only after all of them succeeded and left no invalid index, the
    /// bookkeeping in a transaction of its own.
    async fn run_step(&mut self, step: &Step<'_>) -> Result<Applied, StepFailure> {
        let begin = format!("BEGIN;\n{};\n", self.lock.held_for_transaction());
        let script = step.revision;
        let statements: &[Statement] = step.section().map_or(&[], |s| &s.statements);
        let transactional = script.transactional;
        let started = Instant::now();
        let bookkeeping = self.migrator.bookkeeping();
        let recording = |timing| format!("{}COMMIT;", bookkeeping.step_sql(step, timing));
        let recorded_with_last_statement = transactional && !statements.is_empty();
        for (i, statement) in statements.iter().enumerate() {
            if !transactional {
                if let Err(error) = self.lock.ensure_held(self.connection).await {
                    return Err(refused_or_lost(error, false, |error| {
                        lock_or_database(script, statement.line, error).unwrap_or_else(|e| {
                            RunnerError::database("checking the migration lock", e)
                        })
                    }));
                }
            }
            let prefix = if transactional && i == 0 {
                begin.as_str()
            } else {
                ""
            };
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
            if let Err(error) = self.connection.execute(sqlx::raw_sql(&sql)).await {
                let statement_end = prefix.chars().count() + statement.sql.chars().count();
                return Err(refused_or_lost(error, transactional, |error| {
                    if MigrationLock::not_held(&error) {
                        RunnerError::LockNotHeld {
                            revision: script.revision.clone(),
                            file: script.path.clone(),
                            line: statement.line,
                            transactional,
                        }
                    } else if !suffix.is_empty() && failed_after(&error, statement_end) {
                        recording_failed(bookkeeping, script, error)
                    } else {
                        statement_failed(script, statement, prefix, transactional, error)
                    }
                }));
            }
        }
        let duration = started.elapsed();
        if !recorded_with_last_statement {
            if !transactional {
                let left = invalid_indexes(self.connection).await.map_err(|error| {
                    StepFailure::Refused {
                        error,
                        in_transaction: false,
                    }
                })?;
                if !left.is_empty() {
                    return Err(StepFailure::Refused {
                        error: RunnerError::InvalidIndexes {
                            revision: script.revision.clone(),
                            file: script.path.clone(),
                            indexes: left,
                        },
                        in_transaction: false,
                    });
                }
            }
            let sql = format!("{begin}{}", recording(Timing::Measured(duration)));
            if let Err(error) = self.connection.execute(sqlx::raw_sql(&sql)).await {
                let line = step.section().map_or(0, |s| s.line);
                return Err(refused_or_lost(error, true, |error| {
                    lock_or_database(script, line, error)
                        .unwrap_or_else(|e| recording_failed(bookkeeping, script, e))
                }));
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

    /// The error of a failed migration: a refusal as it is (rolled back
    /// here), a lost session with the outcome read back on a new one.
    async fn after_failure(&mut self, step: &Step<'_>, failure: StepFailure) -> RunnerError {
        let cause = match failure {
            StepFailure::Refused {
                error,
                in_transaction,
            } => {
                if in_transaction {
                    let _ = self.connection.execute(sqlx::raw_sql("ROLLBACK")).await;
                }
                return error;
            }
            StepFailure::Lost(cause) => cause,
        };
        let script = step.revision;
        let outcome = match self.read_back().await {
            Ok(heads) if self.is_done(step, &heads) => Outcome::Done { heads },
            Ok(heads) => Outcome::NotDone { heads },
            Err(reason) => Outcome::Unknown { reason },
        };
        RunnerError::SessionLost {
            revision: script.revision.clone(),
            file: script.path.clone(),
            direction: step.direction,
            transactional: script.transactional,
            cause,
            outcome,
        }
    }

    fn is_done(&self, step: &Step<'_>, heads: &[String]) -> bool {
        self.is_applied(&step.revision.revision, heads) == (step.direction == Direction::Up)
    }

    /// Whether `revision` is applied when the database is at `heads` (heads
    /// no file defines: only what they name).
    fn is_applied(&self, revision: &str, heads: &[String]) -> bool {
        match self.migrator.graph().applied(heads) {
            Ok(applied) => applied.contains(&revision),
            Err(_) => heads.iter().any(|h| h == revision),
        }
    }

    /// The heads, read on a new session after the run's session failed. The
    /// server may not have seen the connection go yet, and still be running
    /// (or committing) the migration: its session is ended first, and only
    /// once it is gone — its transaction committed or rolled back for good —
    /// is the version table read.
    async fn read_back(&self) -> Result<Vec<String>, String> {
        let connecting = PgConnection::connect_with(&self.options);
        let mut fresh = match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
            Err(_) => return Err(format!("no answer within {}s", CONNECT_TIMEOUT.as_secs())),
            Ok(Err(e)) => return Err(redact_text(&e.to_string())),
            Ok(Ok(connection)) => connection,
        };
        let heads = async {
            self.end_run_session(&mut fresh).await?;
            fresh
                .execute(sqlx::raw_sql(&format!(
                    "SET search_path TO {}",
                    quote_identifier(&self.schema)
                )))
                .await
                .map_err(|e| redact_text(&e.to_string()))?;
            self.migrator
                .bookkeeping()
                .heads(&mut fresh)
                .await
                .map_err(|e| e.to_string())
        }
        .await;
        let _ = fresh.close().await;
        heads
    }

    /// Ends the run's backend if it is still there, and waits until it is gone.
    async fn end_run_session(&self, fresh: &mut PgConnection) -> Result<(), String> {
        const THE_RUN_SESSION: &str = "FROM pg_stat_activity WHERE pid = $1 \
             AND (extract(epoch FROM backend_start) * 1000000)::bigint = $2";
        let (pid, started) = self.backend;
        let failed = |e: sqlx::Error| redact_text(&e.to_string());
        sqlx::query(&format!(
            "SELECT pg_terminate_backend(pid) {THE_RUN_SESSION}"
        ))
        .bind(pid)
        .bind(started)
        .execute(&mut *fresh)
        .await
        .map_err(failed)?;
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        loop {
            let alive: i64 = sqlx::query_scalar(&format!("SELECT count(*) {THE_RUN_SESSION}"))
                .bind(pid)
                .bind(started)
                .fetch_one(&mut *fresh)
                .await
                .map_err(failed)?;
            if alive == 0 {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "the session that ran it (backend pid {pid}) has not ended within {}s",
                    CONNECT_TIMEOUT.as_secs()
                ));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// A statement error the server raised on an intact session is a refusal
/// (its transaction did not commit); anything else — the connection closed, a
/// fatal error, a protocol error — leaves the outcome unknown.
fn refused_or_lost(
    error: sqlx::Error,
    in_transaction: bool,
    refusal: impl FnOnce(sqlx::Error) -> RunnerError,
) -> StepFailure {
    if is_refusal(&error) {
        StepFailure::Refused {
            error: refusal(error),
            in_transaction,
        }
    } else {
        StepFailure::Lost(describe_loss(&error))
    }
}

/// A server ERROR (not FATAL or PANIC) on an intact session.
fn is_refusal(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => db
            .try_downcast_ref::<PgDatabaseError>()
            .is_some_and(|pg| matches!(pg.severity(), PgSeverity::Error)),
        _ => false,
    }
}

/// The lock's proof before `line` failed (`Ok`), or some other refusal
/// (`Err`, the error back).
fn lock_or_database(
    script: &MigrationScript,
    line: usize,
    error: sqlx::Error,
) -> Result<RunnerError, sqlx::Error> {
    if MigrationLock::not_held(&error) {
        Ok(RunnerError::LockNotHeld {
            revision: script.revision.clone(),
            file: script.path.clone(),
            line,
            transactional: script.transactional,
        })
    } else {
        Err(error)
    }
}

fn describe_loss(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => escape_controls(db.message()).into_owned(),
        other => redact_text(&other.to_string()),
    }
}

fn recording_failed(
    bookkeeping: &super::bookkeeping::Bookkeeping,
    script: &MigrationScript,
    error: sqlx::Error,
) -> RunnerError {
    RunnerError::database(
        format!(
            "recording revision {} in {}",
            script.revision, bookkeeping.version_table
        ),
        error,
    )
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

/// The error of a migration's statement: revision, file, the line the server
/// points at (or the statement's first line), and the server's own words.
fn statement_failed(
    script: &MigrationScript,
    statement: &Statement,
    prefix: &str,
    transactional: bool,
    error: sqlx::Error,
) -> RunnerError {
    let mut line = statement.line;
    let (message, detail, hint) = match &error {
        sqlx::Error::Database(db) => {
            let pg = db.try_downcast_ref::<PgDatabaseError>();
            if let Some(PgErrorPosition::Original(position)) = pg.and_then(|e| e.position()) {
                let offset = position
                    .saturating_sub(1)
                    .saturating_sub(prefix.chars().count());
                line += statement
                    .sql
                    .chars()
                    .take(offset)
                    .filter(|&c| c == '\n')
                    .count();
            }
            let mut message = escape_controls(db.message()).into_owned();
            let server_hint = pg.and_then(|e| e.hint());
            if db.code().as_deref() == Some(INSUFFICIENT_PRIVILEGE) && server_hint.is_none() {
                message.push_str(PRIVILEGE_HINT);
            }
            (
                message,
                pg.and_then(|e| e.detail())
                    .map(|d| escape_controls(d).into_owned()),
                server_hint.map(|h| escape_controls(h).into_owned()),
            )
        }
        other => (redact_text(&other.to_string()), None, None),
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
