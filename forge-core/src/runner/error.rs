//! What can go wrong while applying, reverting or stamping migrations.

use std::path::PathBuf;
use std::time::Duration;

use crate::database::ConnectError;
use crate::graph::GraphError;
use crate::script::ScriptError;
use crate::terminal::escape_controls;

use super::invalid_index::InvalidIndex;
use super::lock::LockHolder;
use crate::graph::Direction;

/// A broken rule of the runner; each message is one sentence naming what a
/// user needs to act on (revision, file, line, the server's words).
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error(transparent)]
    Script(#[from] ScriptError),

    #[error(transparent)]
    Graph(#[from] GraphError),

    #[error(transparent)]
    Connect(#[from] ConnectError),

    /// A statement of a migration failed; the migration's transaction was rolled back.
    #[error("revision {revision} ({}, line {line}) failed{}: {message}{}", .file.display(), rolled_back(.transactional), details(.detail, .hint))]
    StatementFailed {
        revision: String,
        file: PathBuf,
        line: usize,
        message: String,
        detail: Option<String>,
        hint: Option<String>,
        /// False for a `transaction off` migration, whose earlier statements stay applied.
        transactional: bool,
    },

    #[error("{problem}; nothing was run")]
    NeedsTransactionOff { revision: String, problem: String },

    #[error("{problem}; nothing was run")]
    ForbiddenStatement { revision: String, problem: String },

    /// The session that ran a migration ended (or broke) before its outcome
    /// reached Forge; the outcome was read back on a new session.
    #[error("the database session running revision {revision} ({}) ended before its outcome arrived ({cause}); {}", .file.display(), describe_outcome(.direction, .transactional, .outcome))]
    SessionLost {
        revision: String,
        file: PathBuf,
        direction: Direction,
        transactional: bool,
        cause: String,
        outcome: Outcome,
    },

    /// The proof of the lock before a statement failed: a statement before
    /// it released the lock (and, for a transactional migration, another run
    /// took it). Nothing from that statement on ran.
    #[error("revision {revision} ({}, line {line}) was stopped before that statement: the run no longer holds the migration lock, which a statement before it released (pg_advisory_unlock_all() or DISCARD ALL){}; remove that statement; nothing after it ran", .file.display(), if *.transactional { "" } else { " — transaction off: the statements before it stay applied, the revision is not recorded" })]
    LockNotHeld {
        revision: String,
        file: PathBuf,
        line: usize,
        transactional: bool,
    },

    #[error("revision {revision} ({}) ran, but left {}: {}; the revision is not recorded; repair, then run `migrate upgrade` again (it runs the whole migration again: make its statements IF NOT EXISTS, or `migrate stamp {revision}` if they all took effect)", .file.display(), if .indexes.len() == 1 { "an invalid index (an interrupted or failed CREATE INDEX CONCURRENTLY)" } else { "invalid indexes (an interrupted or failed CREATE INDEX CONCURRENTLY)" }, describe_indexes(.indexes))]
    InvalidIndexes {
        revision: String,
        file: PathBuf,
        indexes: Vec<InvalidIndex>,
    },

    #[error("version_table `{name}`: {problem}")]
    VersionTableName { name: String, problem: String },

    #[error("cannot downgrade revision {revision} ({}): its downgrade section is empty, so reverting it would only pretend to undo `{message}`; write the downgrade SQL, or use `migrate stamp` if the change is already undone; nothing was run", .file.display())]
    EmptyDowngrade {
        revision: String,
        message: String,
        file: PathBuf,
    },

    #[error("{} applied migration{} changed after {} applied: {}; review the change, then accept it with `migrate upgrade --accept-changed <REV>` (recorded in the history), or restore the file", .changed.len(), plural(.changed.len()), if .changed.len() == 1 { "it was" } else { "they were" }, describe_changed(.changed))]
    ChangedMigrations { changed: Vec<ChangedMigration> },

    #[error("--accept-changed {revision}: {reason}")]
    NothingToAccept { revision: String, reason: String },

    #[error("timed out after {}s waiting for the migration lock{}; another migration is running — wait for it, or end that session if it is stuck (SELECT pg_terminate_backend(pid))", .waited.as_secs(), describe_holder(.holder))]
    LockTimeout {
        waited: Duration,
        holder: Option<LockHolder>,
    },

    #[error("database error while {doing}: {message}")]
    Database { doing: String, message: String },
}

/// An applied migration whose file no longer matches what was applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChangedMigration {
    pub revision: String,
    pub file: PathBuf,
    /// Checksum recorded when it was applied (or last accepted).
    pub recorded: String,
    /// Checksum of the file now.
    pub current: String,
}

/// What a new session found after a session was lost.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    /// The revision's change is recorded: it committed.
    Done { heads: Vec<String> },
    /// It is not: it was rolled back (or never committed).
    NotDone { heads: Vec<String> },
    /// No new session could read it.
    Unknown { reason: String },
}

fn describe_outcome(direction: &Direction, transactional: &bool, outcome: &Outcome) -> String {
    let (done, verb) = match direction {
        Direction::Up => ("applied", "upgrade"),
        Direction::Down => ("reverted", "downgrade"),
    };
    let at = |heads: &[String]| {
        if heads.is_empty() {
            "base".to_string()
        } else {
            heads.join(", ")
        }
    };
    match outcome {
        Outcome::Done { heads } => format!(
            "read back on a new session, it IS {done} and the database is at {}; the migration lock ended with the session and nothing after it ran; run `migrate {verb}` again for the rest",
            at(heads)
        ),
        Outcome::NotDone { heads } => format!(
            "read back on a new session, it is NOT {done}{} and the database is at {}; the migration lock ended with the session and nothing after it ran; run `migrate {verb}` again",
            if *transactional { " (its transaction was rolled back)" } else { " (transaction off: its statements that had finished stay applied)" },
            at(heads)
        ),
        Outcome::Unknown { reason } => format!(
            "its outcome could not be read back ({reason}); the migrations before it are applied; run `migrate current` once the database answers to see where it is"
        ),
    }
}

fn describe_indexes(indexes: &[InvalidIndex]) -> String {
    indexes
        .iter()
        .map(|i| format!("{} ({})", i.name(), i.repair()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn rolled_back(transactional: &bool) -> &'static str {
    if *transactional {
        " and was rolled back, the database stays at the previous revision"
    } else {
        " (transaction off: the statements before it stay applied and the revision is not recorded)"
    }
}

fn details(detail: &Option<String>, hint: &Option<String>) -> String {
    let mut text = String::new();
    if let Some(detail) = detail {
        text.push_str(&format!(" ({detail})"));
    }
    if let Some(hint) = hint {
        text.push_str(&format!(" (server hint: {hint})"));
    }
    text
}

fn describe_changed(changed: &[ChangedMigration]) -> String {
    changed
        .iter()
        .map(|c| format!("{} ({})", c.revision, c.file.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_holder(holder: &Option<LockHolder>) -> String {
    match holder {
        Some(h) => format!(", held by {h}"),
        None => String::new(),
    }
}

impl RunnerError {
    /// A database error that is not a migration's own statement.
    pub(crate) fn database(doing: impl Into<String>, error: sqlx::Error) -> Self {
        let message = match &error {
            sqlx::Error::Database(db) => {
                let mut message = escape_controls(db.message()).into_owned();
                if db.code().as_deref() == Some(INSUFFICIENT_PRIVILEGE) {
                    message.push_str(PRIVILEGE_HINT);
                }
                message
            }
            other => crate::database::redact_text(&other.to_string()),
        };
        RunnerError::Database {
            doing: doing.into(),
            message,
        }
    }
}

/// SQLSTATE 42501: the user lacks a privilege (on the schema, typically).
pub(crate) const INSUFFICIENT_PRIVILEGE: &str = "42501";

pub(crate) const PRIVILEGE_HINT: &str = "; the migration user lacks a privilege: grant it (for a schema: GRANT USAGE, CREATE ON SCHEMA <schema> TO <user>), or run the migrations as the schema's owner";
