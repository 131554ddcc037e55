//! `migrate history [--verbose] [-r RANGE] [--json]`: every revision, newest
//! first, with the database's current revision(s) marked when it is reachable.

use std::collections::BTreeSet;
use std::process::ExitCode;

use clap::Args;
use forge_core::graph::{RevisionGraph, RevisionSpec};
use serde::Serialize;

use super::show::RevisionInfo;
use super::{migrator, parse_spec, Database};
use crate::config::Config;
use crate::failure::{CommandResult, Failure};
use crate::output::{Output, Tone};

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only revisions in FROM:TO (either side may be left out: `abc:`, `:abc`).
    #[arg(long, short = 'r', value_name = "RANGE", allow_hyphen_values = true)]
    pub rev_range: Option<String>,
    /// Draw the revision graph: branches, merges and the current revision (`@`).
    #[arg(long, conflicts_with = "json")]
    pub graph: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct HistoryLine {
    #[serde(flatten)]
    info: RevisionInfo,
    is_current: bool,
    is_branch_point: bool,
    is_merge_point: bool,
}

pub async fn exec(
    args: HistoryArgs,
    config: &Config,
    out: &mut Output<'_>,
) -> CommandResult<Option<ExitCode>> {
    let migrator = migrator(config)?;
    let graph = migrator.graph();
    // The database only marks the current revision: history works without one.
    let current: Option<Vec<String>> = match Database::connect(config).await {
        Ok(mut db) => {
            let heads = migrator.bookkeeping().heads(&mut db.connection).await.ok();
            db.close().await;
            heads
        }
        Err(_) => None,
    };
    let selected = match &args.rev_range {
        Some(range) => Some(select(graph, range, current.as_deref().unwrap_or(&[]))?),
        None => None,
    };
    let entries: Vec<_> = graph
        .history()
        .into_iter()
        .filter(|e| {
            selected
                .as_ref()
                .is_none_or(|s| s.contains(&e.script.revision))
        })
        .collect();
    if args.graph {
        draw(graph, &entries, current.as_deref(), out)?;
        if current.is_none() {
            out.line("(the database is not reachable: the current revision is not marked)")?;
        }
        return Ok(None);
    }
    let lines: Vec<HistoryLine> = entries
        .into_iter()
        .map(|e| HistoryLine {
            is_current: current
                .as_ref()
                .is_some_and(|c| c.contains(&e.script.revision)),
            is_branch_point: e.is_branch_point,
            is_merge_point: e.is_merge_point,
            info: RevisionInfo::new(graph, e.script),
        })
        .collect();
    if args.json {
        #[derive(Serialize)]
        struct History<'l> {
            /// Newest first.
            revisions: &'l [HistoryLine],
            /// The database's heads; None when it is not reachable.
            current: Option<Vec<String>>,
        }
        out.json(&History {
            revisions: &lines,
            current: current.clone(),
        })?;
        return Ok(None);
    }
    for line in &lines {
        let parents = if line.info.parents.is_empty() {
            "<base>".to_string()
        } else {
            line.info.parents.join(", ")
        };
        let mut text = format!("{parents} -> {}", line.info.revision);
        if !line.info.branch_labels.is_empty() {
            text.push_str(&format!(" ({})", line.info.branch_labels.join(", ")));
        }
        if line.info.is_head {
            text.push_str(" (head)");
        }
        if line.is_current {
            text.push_str(" (current)");
        }
        if line.is_merge_point {
            text.push_str(" (mergepoint)");
        }
        if line.is_branch_point {
            text.push_str(" (branchpoint)");
        }
        text.push_str(&format!(", {}", line.info.message));
        out.line(text)?;
        if out.is_verbose() {
            line.info.details(out)?;
        }
    }
    if current.is_none() && !args.json {
        out.line("(the database is not reachable: the current revision is not marked)")?;
    }
    Ok(None)
}

/// `history --graph`: the graph's lines at the left, each revision's id,
/// labels and message at the right.
fn draw(
    graph: &RevisionGraph,
    entries: &[forge_core::graph::HistoryEntry<'_>],
    current: Option<&[String]>,
    out: &mut Output<'_>,
) -> Result<(), Failure> {
    let is_current = |id: &str| current.is_some_and(|c| c.iter().any(|r| r == id));
    let rows = forge_core::graph::draw(entries, is_current);
    let width = rows
        .iter()
        .map(|r| r.lines.chars().count())
        .max()
        .unwrap_or(0);
    for row in &rows {
        let Some(entry) = row.entry else {
            out.line(&row.lines)?;
            continue;
        };
        let id = entry.script.revision.as_str();
        let mut text = format!("{:<width$}  ", row.lines);
        if is_current(id) {
            text = text.replacen('@', &out.paint(Tone::Ok, "@"), 1);
            text.push_str(&out.paint(Tone::Strong, id));
        } else {
            text.push_str(id);
        }
        let labels = graph.branch_labels(id);
        if !labels.is_empty() {
            text.push_str(&format!(" ({})", labels.join(", ")));
        }
        if entry.is_head {
            text.push_str(&out.paint(Tone::Warn, " (head)"));
        }
        if is_current(id) {
            text.push_str(&out.paint(Tone::Ok, " (current)"));
        }
        text.push(' ');
        text.push_str(&entry.script.message);
        out.line(text)?;
    }
    Ok(())
}

/// The revisions of `FROM:TO`: descendants of FROM (inclusive; all for base)
/// that are ancestors of TO (inclusive).
fn select(
    graph: &RevisionGraph,
    range: &str,
    current: &[String],
) -> Result<BTreeSet<String>, Failure> {
    let Some((from, to)) = range.split_once(':') else {
        return Err(Failure::error(format!(
            "`{range}` is not a range; write FROM:TO, e.g. base:head or abc123:"
        )));
    };
    let from = if from.is_empty() {
        RevisionSpec::Base
    } else {
        parse_spec(from)?
    };
    let to = if to.is_empty() {
        RevisionSpec::Heads
    } else {
        parse_spec(to)?
    };
    let lower: Option<BTreeSet<String>> = match graph.resolve(&from, current)? {
        ids if ids.is_empty() => None,
        ids => Some(
            ids.iter()
                .flat_map(|id| {
                    graph
                        .descendants(id)
                        .into_iter()
                        .map(String::from)
                        .chain([id.clone()])
                })
                .collect(),
        ),
    };
    let upper: BTreeSet<String> = graph
        .resolve(&to, current)?
        .iter()
        .flat_map(|id| {
            graph
                .ancestors(id)
                .into_iter()
                .map(String::from)
                .chain([id.clone()])
        })
        .collect();
    Ok(upper
        .into_iter()
        .filter(|id| lower.as_ref().is_none_or(|l| l.contains(id)))
        .collect())
}
