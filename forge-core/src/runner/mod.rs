//! The runner: applies, reverts and stamps migrations on PostgreSQL (online, or
//! as an offline script), keeps the version bookkeeping, serializes
//! concurrent runs with an advisory lock held by the session that migrates,
//! and reports only what is true of the database. A library first: the CLI and an app
//! embedding its migrations use the same [`Migrator`].

// Errors carry what a user needs to act (revision, file, line, the server's
// words); they are the cold path, so their size does not matter.
#![allow(clippy::result_large_err)]

mod bookkeeping;
mod error;
mod invalid_index;
mod lock;
mod merge;
mod migrator;
mod offline;
mod progress;
mod run;

pub use bookkeeping::{Bookkeeping, Event, HistoryRow, RecordedState, Timing};
pub use error::{ChangedMigration, Outcome, RunnerError};
pub use invalid_index::{invalid_indexes, InvalidIndex};
pub use lock::{application_name, lock_key, LockHolder, MigrationLock};
pub use merge::write_merge;
pub use migrator::{Migrator, Session, Status, UpgradeOptions, DEFAULT_LOCK_TIMEOUT};
pub use progress::{Applied, Progress};
