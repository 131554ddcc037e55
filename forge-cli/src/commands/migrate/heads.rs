//! `migrate heads [--verbose] [--json]`: the tips of the revision graph (from
//! the files alone, no database).

use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::migrator;
use super::show::RevisionInfo;
use crate::config::Config;
use crate::failure::CommandResult;
use crate::output::Output;

#[derive(Debug, Args)]
pub struct HeadsArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

pub async fn exec(
    args: HeadsArgs,
    config: &Config,
    out: &mut Output<'_>,
) -> CommandResult<Option<ExitCode>> {
    let migrator = migrator(config)?;
    let graph = migrator.graph();
    let heads: Vec<RevisionInfo> = graph
        .heads()
        .into_iter()
        .map(|h| RevisionInfo::new(graph, graph.get(h).expect("a head exists")))
        .collect();
    if args.json {
        #[derive(Serialize)]
        struct Heads {
            heads: Vec<RevisionInfo>,
        }
        out.json(&Heads { heads })?;
        return Ok(None);
    }
    if heads.is_empty() {
        out.line("no revisions yet; create one with `migrate revision`")?;
    }
    for head in &heads {
        out.line(head.summary())?;
        if out.is_verbose() {
            head.details(out)?;
        }
    }
    Ok(None)
}
