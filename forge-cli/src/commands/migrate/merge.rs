//! `migrate merge --message M [-r A -r B]`: writes a merge revision (no SQL)
//! joining the given revisions, or every head.

use std::process::ExitCode;

use clap::Args;

use super::migrator;
use crate::config::Config;
use crate::failure::{CommandResult, Failure};
use crate::output::Output;

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The merge revision's message.
    #[arg(long, short)]
    pub message: String,
    /// A revision to merge (id, prefix, branch label or <branch>@head); repeat.
    /// Default: every head.
    #[arg(long = "revision", short = 'r', value_name = "REV")]
    pub revisions: Vec<String>,
    /// A branch label for the merge revision.
    #[arg(long, value_name = "LABEL")]
    pub branch_label: Option<String>,
}

pub async fn exec(
    args: MergeArgs,
    config: &Config,
    out: &mut Output<'_>,
) -> CommandResult<Option<ExitCode>> {
    let migrator = migrator(config)?;
    let graph = migrator.graph();
    let mut parents: Vec<String> = Vec::new();
    if args.revisions.is_empty() {
        parents = graph.heads().into_iter().map(String::from).collect();
    }
    for name in &args.revisions {
        for revision in graph.resolve(&super::parse_spec(name)?, &[])? {
            if !parents.contains(&revision) {
                parents.push(revision);
            }
        }
    }
    if parents.len() < 2 {
        return Err(Failure::error(format!(
            "nothing to merge: {} names {} revision{}; a merge joins two or more heads",
            if args.revisions.is_empty() {
                "the graph"
            } else {
                "-r"
            },
            parents.len(),
            if parents.len() == 1 { "" } else { "s" }
        ))
        .with_hint("run `migrate heads` to see the heads"));
    }
    let (path, revision) = forge_core::runner::write_merge(
        &config.migrations_dir(),
        &parents,
        &args.message,
        args.branch_label.as_deref(),
    )?;
    out.line(format!(
        "Generated {} (revision {revision}, merging {})",
        path.display(),
        parents.join(", ")
    ))?;
    super::revision::carry_snapshot(config, &parents, &revision, &path, out)?;
    Ok(None)
}
