//! `migrate upgrade [REV|+N|heads] [--sql]`: applies migrations, each in its
//! own transaction with its bookkeeping, under the migration lock.

use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use forge_core::graph::RevisionSpec;
use forge_core::runner::{Migrator, UpgradeOptions};

use super::progress::Printer;
use super::{migrator, parse_spec, report_run, Database, LockArgs, RunReport};
use crate::config::Config;
use crate::failure::{CommandResult, Failure};
use crate::output::Output;

#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// Target: heads (default), head, a revision id or prefix, +N, <rev>+N,
    /// <branch>@head; with --sql also a FROM:TO range.
    #[arg(default_value = "heads", allow_hyphen_values = true)]
    pub revision: String,
    /// Print the SQL script instead of running it (psql -v ON_ERROR_STOP=1 -f).
    #[arg(long, conflicts_with = "json")]
    pub sql: bool,
    /// Accept the changed file of an applied revision as it is now (recorded in
    /// the history); repeat for several.
    #[arg(long, value_name = "REV")]
    pub accept_changed: Vec<String>,
    #[command(flatten)]
    pub lock: LockArgs,
    /// What was applied, as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn exec(
    args: UpgradeArgs,
    config: &Config,
    out: &mut Output<'_>,
) -> CommandResult<Option<ExitCode>> {
    let migrator = args.lock.apply(migrator(config)?);
    let spec = parse_spec(&args.revision)?;
    if args.sql {
        if !args.accept_changed.is_empty() {
            return Err(Failure::error(
                "--accept-changed records in the database; it cannot be combined with --sql",
            ));
        }
        let current = offline_current(config, &migrator, &spec, "upgrade").await?;
        out.text(migrator.upgrade_sql(&current, &spec)?)?;
        return Ok(None);
    }
    if matches!(spec, RevisionSpec::Range { .. }) {
        return Err(Failure::error(format!(
            "`{spec}` is a range, which only offline mode accepts; add --sql or name one revision"
        )));
    }
    let mut db = Database::connect(config).await?;
    let started = Instant::now();
    let options = UpgradeOptions {
        accept_changed: args.accept_changed,
    };
    let mut printer = Printer::new(out, args.json);
    let live = printer.live();
    let result = crate::live::while_running(
        live.as_ref(),
        migrator.upgrade_with(db.session(), &spec, &options, &mut printer),
    )
    .await;
    let heads = match &result {
        Ok(_) => migrator.bookkeeping().heads(&mut db.connection).await.ok(),
        Err(_) => None,
    };
    db.close().await;
    let applied = result?;
    report_run(
        out,
        RunReport::new("Upgrade", &applied, started.elapsed(), heads),
        args.json,
    )?;
    Ok(None)
}

/// Where an offline script starts: a range's FROM needs no database;
/// otherwise the database's heads — and an unreachable database is an error,
/// never a silent start from base (the script says where it starts).
pub(crate) async fn offline_current(
    config: &Config,
    migrator: &Migrator,
    spec: &RevisionSpec,
    what: &str,
) -> Result<Vec<String>, Failure> {
    if matches!(spec, RevisionSpec::Range { .. }) {
        return Ok(Vec::new());
    }
    let mut db = Database::connect(config).await.map_err(|f| {
        Failure::error(format!(
            "{what} --sql starts from the database's current revision, and {}",
            f.message()
        ))
        .with_hint("give the start explicitly with a range, which needs no database: e.g. `migrate upgrade base:heads --sql`")
    })?;
    let heads = migrator.bookkeeping().heads(&mut db.connection).await;
    db.close().await;
    Ok(heads?)
}
