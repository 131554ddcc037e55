//! `migrate baseline`: adopts a database that existed before Forge (Flyway's
//! `baseline`, Atlas's baseline migration). It writes the first revision,
//! describing the database as it is — its upgrade creates all of it in an
//! empty database: schemas, extensions, types, tables, and what Forge does
//! not manage (views, functions, triggers, partitions...) — and stamps the
//! database at it, so nothing runs against the existing one. From then on
//! autogenerate compares the models with the database as usual.

use std::process::ExitCode;

use clap::Args;
use forge_core::graph::RevisionSpec;
use forge_core::script::{new_revision_id, NewRevision};
use serde::Serialize;

use super::revision::load_graph;
use super::{describe_heads, migrator, Database, LockArgs};
use crate::commands::schema;
use crate::config::Config;
use crate::failure::{CommandResult, Failure};
use crate::output::Output;

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// What the revision says; becomes the file name's slug.
    #[arg(short = 'm', long = "message", default_value = "baseline")]
    pub message: String,
    /// Write the file only, without stamping the database (`migrate stamp REV` later).
    #[arg(long)]
    pub no_stamp: bool,
    #[command(flatten)]
    pub lock: LockArgs,
    /// What was written and stamped, as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Baselined {
    revision: String,
    file: String,
    message: String,
    tables: usize,
    enum_types: usize,
    /// Objects written as they are, which Forge does not manage.
    unmanaged: usize,
    /// Where the database is now (`None` with --no-stamp).
    heads: Option<Vec<String>>,
}

pub async fn exec(
    args: BaselineArgs,
    config: &Config,
    out: &mut Output<'_>,
) -> CommandResult<Option<ExitCode>> {
    let dir = config.migrations_dir();
    let graph = load_graph(&dir)?;
    if !graph.is_empty() {
        return Err(Failure::error(format!(
            "a baseline is the first revision, and {} already holds {} revision{}",
            dir.display(),
            graph.len(),
            if graph.len() == 1 { "" } else { "s" }
        ))
        .with_hint(
            "to record that a database is already at one of them, run `migrate stamp REV`",
        ));
    }
    let mut db = Database::connect(config).await?;
    let version_table = &config.migrations.version_table;
    let current = forge_core::runner::Bookkeeping::new(version_table)
        .heads(&mut db.connection)
        .await;
    let current = match current {
        Ok(current) => current,
        Err(e) => {
            db.close().await;
            return Err(e.into());
        }
    };
    if !current.is_empty() {
        db.close().await;
        return Err(Failure::error(format!(
            "the database is already at revision {}, so Forge manages it already",
            current.join(", ")
        ))
        .with_hint("restore its migration files, or `migrate stamp --purge base` first if the database is to be adopted anew"));
    }
    let schema = schema::inspect(config).await?;
    if schema.tables.is_empty() && schema.enums.is_empty() && schema.unmanaged.is_empty() {
        db.close().await;
        return Err(Failure::error(format!(
            "schema {} holds nothing to adopt",
            config.database.schema
        ))
        .with_hint("start from the models instead: `migrate revision -m \"initial\"`"));
    }

    let revision = new_revision_id();
    let new = NewRevision {
        revision: Some(revision.clone()),
        message: args.message.clone(),
        upgrade_sql: schema::postgres_ddl(&schema),
        downgrade_sql: refusal(&revision),
        ..NewRevision::default()
    };
    let (path, revision) = forge_core::autogenerate::write_now(&dir, &new)?;
    let file = path
        .strip_prefix(&config.root)
        .unwrap_or(&path)
        .display()
        .to_string();

    let heads = if args.no_stamp {
        db.close().await;
        None
    } else {
        let migrator = args.lock.apply(migrator(config)?);
        let stamped = migrator
            .stamp_with(
                db.session(),
                &[RevisionSpec::Revision(revision.clone())],
                false,
                &mut super::progress::Printer::new(out, args.json),
            )
            .await;
        db.close().await;
        let stamped = stamped.map_err(|e| {
            Failure::error(format!(
                "wrote {file}, but stamping the database failed: {e}"
            ))
            .with_hint(format!(
                "once the cause is fixed, run `migrate stamp {revision}`"
            ))
        })?;
        Some(stamped.heads)
    };

    let report = Baselined {
        revision: revision.clone(),
        file,
        message: args.message,
        tables: schema.tables.len(),
        enum_types: schema.enums.len(),
        unmanaged: schema.unmanaged.len(),
        heads,
    };
    if args.json {
        out.json(&report)?;
        return Ok(None);
    }
    out.line(format!(
        "Generated {} (revision {revision}): {} tables, {} enum types, {} objects not managed by Forge",
        report.file, report.tables, report.enum_types, report.unmanaged
    ))?;
    match &report.heads {
        Some(heads) => out.line(format!(
            "Stamped: the database is at {} (nothing ran against it).",
            describe_heads(heads)
        ))?,
        None => out.line(format!(
            "Not stamped: run `migrate stamp {revision}` against the database this describes."
        ))?,
    }
    out.line(
        "Next: describe its tables with models (#[derive(EntityTable)]) or list them in [autogenerate] exclude; `migrate revision` drops a table no model describes.",
    )?;
    Ok(None)
}

/// The downgrade of a baseline: it describes a database that existed before
/// Forge, so reverting it would drop all of it. It refuses instead (the
/// database stays at the baseline); on a scratch database, edit it into the
/// DROP statements you mean.
fn refusal(revision: &str) -> String {
    format!(
        "-- A baseline is not reverted: it describes a database that existed before Forge,\n\
         -- and reverting it would drop all of it. To stop tracking the database, run\n\
         -- `migrate stamp --purge base`; on a scratch database, write the DROP statements here.\n\
         DO $$\n\
         BEGIN\n    \
             RAISE EXCEPTION 'revision {revision} is the baseline of a database that existed before Forge; it is not reverted'\n        \
                 USING HINT = 'to stop tracking the database, run: migrate stamp --purge base';\n\
         END\n\
         $$;\n"
    )
}
