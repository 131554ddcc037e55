//! What can go wrong while applying, reverting or stamping migrations.

use std::path::PathBuf;
use std::time::Duration;

use crate::database::ConnectError;
use crate::graph::GraphError;
use crate::script::ScriptError;

use super::lock::LockHolder;

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
            sqlx::Error::Database(db) => db.message().to_string(),
            other => crate::database::redact_text(&other.to_string()),
        };
        RunnerError::Database {
            doing: doing.into(),
            message,
        }
    }
}
