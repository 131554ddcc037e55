//! What a run reports as it goes: the CLI prints it, an embedding app may log
//! it or ignore it (`()` ignores everything).

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::error::ChangedMigration;
use super::lock::LockHolder;
use crate::graph::{Direction, Step};

/// A migration that was applied or reverted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub revision: String,
    pub message: String,
    pub direction: Direction,
    pub file: PathBuf,
    /// Time spent running its statements.
    pub duration: Duration,
    pub transactional: bool,
}

/// Callbacks of a run; every method has a default that does nothing.
pub trait Progress {
    /// The lock is held by another session (called again when the holder changes).
    fn lock_busy(&mut self, _holder: &LockHolder) {}
    /// A migration is about to run.
    fn started(&mut self, _step: &Step<'_>) {}
    /// A migration ran and was recorded (its commit is durable).
    fn finished(&mut self, _applied: &Applied) {}
    /// A changed migration's new checksum was accepted and recorded.
    fn accepted(&mut self, _changed: &ChangedMigration) {}
}

impl Progress for () {}
