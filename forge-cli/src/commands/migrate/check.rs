//! `migrate check`: exit 1 when the database has pending migrations or applied
//! migrations whose file changed (CI's "did you forget to migrate?").

use std::process::ExitCode;

use clap::Args;

use super::{migrator, Database};
use crate::config::Config;
use crate::failure::{CommandResult, Failure};
use crate::output::Output;

#[derive(Debug, Args)]
pub struct CheckArgs {}

pub async fn exec(
    _args: CheckArgs,
    config: &Config,
    out: &mut Output<'_>,
) -> CommandResult<Option<ExitCode>> {
    let migrator = migrator(config)?;
    let mut db = Database::connect(config).await?;
    let status = migrator.status(&mut db.connection).await;
    db.close().await;
    let status = status?;
    let mut problems = Vec::new();
    if !status.pending.is_empty() {
        problems.push(format!(
            "{} migration{} not applied ({})",
            status.pending.len(),
            if status.pending.len() == 1 {
                " is"
            } else {
                "s are"
            },
            status.pending.join(", ")
        ));
    }
    if !status.changed.is_empty() {
        let ids: Vec<&str> = status.changed.iter().map(|c| c.revision.as_str()).collect();
        problems.push(format!(
            "applied migration files changed since ({})",
            ids.join(", ")
        ));
    }
    if !status.unknown.is_empty() {
        problems.push(format!(
            "the database is at revisions no file defines ({})",
            status.unknown.join(", ")
        ));
    }
    if problems.is_empty() {
        out.line("OK: the database is at the head of the migrations.")?;
        return Ok(None);
    }
    Err(Failure::problem(problems.join("; "))
        .with_hint("run `migrate current` for details, `migrate upgrade` to apply"))
}
