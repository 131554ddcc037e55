//! `migrate show REV [--json]`: one revision's header, file and SQL.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use forge_core::graph::RevisionGraph;
use forge_core::script::MigrationScript;
use serde::Serialize;

use super::{migrator, parse_spec};
use crate::config::Config;
use crate::failure::{CommandResult, Failure};
use crate::output::Output;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A revision id or unique prefix, a branch label, head, <branch>@head, <rev>+N.
    #[arg(allow_hyphen_values = true)]
    pub revision: String,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// What `show`, `heads` and `history` say about a revision.
#[derive(Debug, Serialize)]
pub(crate) struct RevisionInfo {
    pub revision: String,
    pub parents: Vec<String>,
    pub children: Vec<String>,
    pub depends_on: Vec<String>,
    pub message: String,
    pub created: Option<String>,
    pub branch_labels: Vec<String>,
    pub transactional: bool,
    pub file: PathBuf,
    pub checksum: String,
    pub is_head: bool,
    pub upgrade_sql: String,
    pub downgrade_sql: Option<String>,
}

impl RevisionInfo {
    pub(crate) fn new(graph: &RevisionGraph, script: &MigrationScript) -> Self {
        let children: Vec<String> = graph
            .children(&script.revision)
            .into_iter()
            .map(String::from)
            .collect();
        RevisionInfo {
            revision: script.revision.clone(),
            parents: script.parents.clone(),
            is_head: children.is_empty(),
            children,
            depends_on: script.depends_on.clone(),
            message: script.message.clone(),
            created: script.created.map(|c| c.to_rfc3339()),
            branch_labels: graph
                .branch_labels(&script.revision)
                .into_iter()
                .map(String::from)
                .collect(),
            transactional: script.transactional,
            file: script.path.clone(),
            checksum: script.checksum.clone(),
            upgrade_sql: script.upgrade.sql.clone(),
            downgrade_sql: script.downgrade.as_ref().map(|d| d.sql.clone()),
        }
    }

    /// `abc123def456 (feature) (head), message`
    pub(crate) fn summary(&self) -> String {
        let mut line = self.revision.clone();
        if !self.branch_labels.is_empty() {
            line.push_str(&format!(" ({})", self.branch_labels.join(", ")));
        }
        if self.is_head {
            line.push_str(" (head)");
        }
        format!("{line}, {}", self.message)
    }

    pub(crate) fn details(&self, out: &mut Output<'_>) -> Result<(), Failure> {
        let none = || "(none)".to_string();
        let list = |ids: &[String]| {
            if ids.is_empty() {
                none()
            } else {
                ids.join(", ")
            }
        };
        out.line(format!("  parents:     {}", list(&self.parents)))?;
        if !self.depends_on.is_empty() {
            out.line(format!("  depends on:  {}", list(&self.depends_on)))?;
        }
        out.line(format!("  file:        {}", self.file.display()))?;
        out.line(format!(
            "  created:     {}",
            self.created.clone().unwrap_or_else(none)
        ))?;
        if !self.transactional {
            out.line("  transaction: off")?;
        }
        Ok(())
    }
}

pub async fn exec(
    args: ShowArgs,
    config: &Config,
    out: &mut Output<'_>,
) -> CommandResult<Option<ExitCode>> {
    let migrator = migrator(config)?;
    let graph = migrator.graph();
    let spec = parse_spec(&args.revision)?;
    let revisions = graph.resolve(&spec, &[])?;
    let [revision] = revisions.as_slice() else {
        return Err(Failure::error(format!(
            "`{spec}` names {} revisions; show takes one (a revision id, prefix or branch label)",
            revisions.len()
        )));
    };
    let info = RevisionInfo::new(
        graph,
        graph.get(revision).expect("resolved revisions exist"),
    );
    if args.json {
        out.json(&info)?;
        return Ok(None);
    }
    out.line(format!(
        "Revision:    {}{}",
        info.revision,
        if info.is_head { " (head)" } else { "" }
    ))?;
    out.line(format!("Message:     {}", info.message))?;
    if !info.branch_labels.is_empty() {
        out.line(format!("Branch:      {}", info.branch_labels.join(", ")))?;
    }
    info.details(out)?;
    out.line(format!(
        "  children:    {}",
        if info.children.is_empty() {
            "(none)".to_string()
        } else {
            info.children.join(", ")
        }
    ))?;
    out.line(format!("  checksum:    {}", info.checksum))?;
    out.line("")?;
    out.line("-- upgrade")?;
    out.line(&info.upgrade_sql)?;
    out.line("")?;
    out.line("-- downgrade")?;
    out.line(
        info.downgrade_sql
            .as_deref()
            .unwrap_or("(no downgrade section)"),
    )?;
    Ok(None)
}
