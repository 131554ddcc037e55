//! Writing a merge revision: a file with no SQL whose parents are the heads it joins.

use std::path::{Path, PathBuf};

use chrono::Utc;

use super::error::RunnerError;
use crate::script::{write_revision, NewRevision};

/// Writes a merge revision joining `parents` into `dir`; returns its path and id.
pub fn write_merge(
    dir: &Path,
    parents: &[String],
    message: &str,
    branch_label: Option<&str>,
) -> Result<(PathBuf, String), RunnerError> {
    let new = NewRevision {
        parents: parents.to_vec(),
        message: message.to_string(),
        branch_labels: branch_label.map(str::to_string).into_iter().collect(),
        ..NewRevision::default()
    };
    Ok(write_revision(dir, &new, Utc::now())?)
}
