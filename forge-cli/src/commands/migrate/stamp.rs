//! `migrate stamp REV... [--purge] [--sql]`: sets the version table without
//! running migrations (baselining an existing database, repairing the table).

use std::process::ExitCode;

use clap::Args;
use forge_core::graph::RevisionSpec;
use serde::Serialize;

use super::upgrade::offline_current;
use super::{describe_heads, migrator, parse_spec, Database, LockArgs};
use crate::config::Config;
use crate::failure::CommandResult;
use crate::output::Output;

#[derive(Debug, Args)]
pub struct StampArgs {
    /// The revision(s) the database is at: head, heads, base, an id or prefix, <branch>@head.
    #[arg(required = true)]
    pub revisions: Vec<String>,
    /// Empty the version table first (even of revisions no file defines).
    #[arg(long)]
    pub purge: bool,
    /// Print the SQL instead of running it.
    #[arg(long, conflicts_with = "json")]
    pub sql: bool,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Where the database is now, as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn exec(
    args: StampArgs,
    config: &Config,
    out: &mut Output<'_>,
) -> CommandResult<Option<ExitCode>> {
    let migrator = args.lock.apply(migrator(config)?);
    let specs = args
        .revisions
        .iter()
        .map(|r| parse_spec(r))
        .collect::<Result<Vec<_>, _>>()?;
    if args.sql {
        let current = if args.purge {
            Vec::new()
        } else {
            offline_current(config, &migrator, &RevisionSpec::Heads, "stamp").await?
        };
        out.text(migrator.stamp_sql(&current, &specs, args.purge)?)?;
        return Ok(None);
    }
    let mut db = Database::connect(config).await?;
    let result = migrator
        .stamp_with(
            db.session(),
            &specs,
            args.purge,
            &mut super::progress::Printer::new(out, args.json),
        )
        .await;
    db.close().await;
    let stamp = result?;
    if args.json {
        #[derive(Serialize)]
        struct Stamped<'s> {
            heads: &'s [String],
        }
        out.json(&Stamped {
            heads: &stamp.heads,
        })?;
        return Ok(None);
    }
    out.line(format!(
        "Stamped: the database is at {}.",
        describe_heads(&stamp.heads)
    ))?;
    Ok(None)
}
