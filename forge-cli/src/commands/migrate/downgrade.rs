//! `migrate downgrade REV|-N|base [--sql]`: reverts migrations, refusing one
//! whose downgrade section is empty.

use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use forge_core::graph::RevisionSpec;

use super::progress::Printer;
use super::{migrator, parse_spec, report_run, Database, LockArgs};
use crate::config::Config;
use crate::failure::{CommandResult, Failure};
use crate::output::Output;

#[derive(Debug, Args)]
pub struct DowngradeArgs {
    /// Target: -N, base, a revision id or prefix, <rev>-N, <branch>@-N; with
    /// --sql also a FROM:TO range (e.g. head:base).
    #[arg(allow_hyphen_values = true)]
    pub revision: String,
    /// Print the SQL script instead of running it; without a range the current
    /// revision is read from the database.
    #[arg(long)]
    pub sql: bool,
    #[command(flatten)]
    pub lock: LockArgs,
}

pub async fn exec(
    args: DowngradeArgs,
    config: &Config,
    out: &mut Output<'_>,
) -> CommandResult<Option<ExitCode>> {
    let migrator = args.lock.apply(migrator(config)?);
    let spec = parse_spec(&args.revision)?;
    if args.sql {
        let current = if matches!(spec, RevisionSpec::Range { .. }) {
            Vec::new()
        } else {
            let mut db = Database::connect(config).await.map_err(|f| {
                Failure::error(format!(
                    "downgrade {spec} --sql starts from the database's current revision, and {}",
                    f.message()
                ))
                .with_hint(
                    "give a range that needs no database, e.g. `migrate downgrade head:base --sql`",
                )
            })?;
            let heads = migrator.bookkeeping().heads(&mut db.connection).await;
            db.close().await;
            heads?
        };
        out.text(migrator.downgrade_sql(&current, &spec)?)?;
        return Ok(None);
    }
    if matches!(spec, RevisionSpec::Range { .. }) {
        return Err(Failure::error(format!(
            "`{spec}` is a range, which only offline mode accepts; add --sql or name one revision"
        )));
    }
    let mut db = Database::connect(config).await?;
    let started = Instant::now();
    let result = migrator
        .downgrade_with(db.session(), &spec, &mut Printer { out })
        .await;
    let heads = match &result {
        Ok(_) => migrator.bookkeeping().heads(&mut db.connection).await.ok(),
        Err(_) => None,
    };
    db.close().await;
    let reverted = result?;
    report_run(
        out,
        "Downgrade",
        reverted.len(),
        started.elapsed(),
        heads.as_deref(),
    )?;
    Ok(None)
}
