//! `migrate current [--verbose] [--json]`: the revision(s) the database is at,
//! pending migrations, and applied migrations whose file changed. Read-only:
//! never creates the version tables.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::{migrator, Database};
use crate::config::Config;
use crate::failure::CommandResult;
use crate::output::Output;

#[derive(Debug, Args)]
pub struct CurrentArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct CurrentHead {
    revision: String,
    message: Option<String>,
    file: Option<PathBuf>,
    /// A head of the migration files (nothing above it to apply).
    is_head: bool,
    applied_at: Option<String>,
    applied_by: Option<String>,
}

pub async fn exec(
    args: CurrentArgs,
    config: &Config,
    out: &mut Output<'_>,
) -> CommandResult<Option<ExitCode>> {
    let migrator = migrator(config)?;
    let mut db = Database::connect(config).await?;
    let status = migrator.status(&mut db.connection).await;
    let history = if out.is_verbose() && status.is_ok() {
        Some(
            migrator
                .bookkeeping()
                .history_rows(&mut db.connection)
                .await,
        )
    } else {
        None
    };
    db.close().await;
    let status = status?;
    let history = history.transpose()?.unwrap_or_default();
    let graph = migrator.graph();
    let graph_heads = graph.heads();
    let heads: Vec<CurrentHead> = status
        .heads
        .iter()
        .map(|revision| {
            let script = graph.get(revision);
            let last = history.iter().rev().find(|row| &row.revision == revision);
            CurrentHead {
                revision: revision.clone(),
                message: script.map(|s| s.message.clone()),
                file: script.map(|s| s.path.clone()),
                is_head: graph_heads.contains(&revision.as_str()),
                applied_at: last.map(|r| r.applied_at.to_rfc3339()),
                applied_by: last.map(|r| r.applied_by.clone()),
            }
        })
        .collect();
    if args.json {
        #[derive(Serialize)]
        struct Current<'a> {
            heads: Vec<CurrentHead>,
            initialized: bool,
            pending: &'a [String],
            changed: &'a [forge_core::runner::ChangedMigration],
            unknown: &'a [String],
        }
        out.json(&Current {
            heads,
            initialized: status.initialized,
            pending: &status.pending,
            changed: &status.changed,
            unknown: &status.unknown,
        })?;
        return Ok(None);
    }
    if heads.is_empty() {
        out.line(if status.initialized {
            "base (no migration applied)"
        } else {
            "base (no migration applied; the version table does not exist yet)"
        })?;
    }
    for head in &heads {
        let mut line = head.revision.clone();
        if head.is_head {
            line.push_str(" (head)");
        }
        match &head.message {
            Some(message) => line.push_str(&format!(" {message}")),
            None => line.push_str(" (unknown: no migration file defines it)"),
        }
        out.line(line)?;
        if out.is_verbose() {
            if let Some(file) = &head.file {
                out.line(format!("  file:       {}", file.display()))?;
            }
            if let (Some(at), Some(by)) = (&head.applied_at, &head.applied_by) {
                out.line(format!("  applied:    {at} by {by}"))?;
            }
        }
    }
    if !status.pending.is_empty() {
        out.line(format!(
            "{} pending migration{}: {}; apply with `migrate upgrade`",
            status.pending.len(),
            if status.pending.len() == 1 { "" } else { "s" },
            status.pending.join(", ")
        ))?;
    }
    for changed in &status.changed {
        out.line(format!(
            "warning: revision {} ({}) changed after it was applied; review it, then accept it with `migrate upgrade --accept-changed {}`",
            changed.revision,
            changed.file.display(),
            changed.revision
        ))?;
    }
    for unknown in &status.unknown {
        out.line(format!(
            "warning: the database is at revision {unknown}, which no migration file defines; restore the file, or `migrate stamp --purge` to a known revision"
        ))?;
    }
    Ok(None)
}
