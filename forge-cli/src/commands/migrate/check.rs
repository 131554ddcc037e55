//! `migrate check`: exit 1 when the database has pending migrations, applied
//! migrations whose file changed, or (at the heads) when autogenerate would
//! write a revision: the models and the migrations disagree.

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
    // Drift only means something once the migrations are applied.
    let drift = match &status {
        Ok(s) if s.pending.is_empty() && s.unknown.is_empty() => Some(drift(config, &mut db).await),
        _ => None,
    };
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
    if let Some(changes) = drift.transpose()? {
        if changes > 0 {
            problems.push(format!(
                "the models and the migrations disagree: autogenerate would write {changes} change{}; run `migrate revision MESSAGE --autogenerate`",
                if changes == 1 { "" } else { "s" }
            ));
        }
    }
    if problems.is_empty() {
        out.line("OK: the database is at the head of the migrations, and the models match it.")?;
        return Ok(None);
    }
    Err(Failure::problem(problems.join("; "))
        .with_hint("run `migrate current` for details, `migrate upgrade` to apply"))
}

/// How many changes autogenerate would write against the migrated database.
async fn drift(config: &Config, db: &mut Database) -> Result<usize, Failure> {
    let desired = forge_core::registry::schema()?;
    let changes = forge_core::autogenerate::changes_excluding(
        &mut db.connection,
        &config.database.schema,
        &config.migrations.version_table,
        &config.exclusions(),
        &desired,
    )
    .await?;
    Ok(changes.len())
}
