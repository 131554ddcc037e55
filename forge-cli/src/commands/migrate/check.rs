//! `migrate check`: exit 1 when the models, the migration files and the
//! database disagree, saying what drifted and what to do about each cause.
//!
//! Three ways to look, from the most to the least infrastructure:
//! - against the configured database (default): pending migrations, applied
//!   files edited since, revisions no file defines, and — at the heads — the
//!   changes autogenerate would write;
//! - `--scratch`: the migration files built in a throwaway database on a
//!   server (the configured one, or `--scratch-url`) against the models: no
//!   deployed database involved, the CI use;
//! - `--offline`: the models against the snapshot the heads recorded, with no
//!   database at all.
//!
//! Every mode also compares the models with the heads' snapshot when there is
//! one. `--record-snapshot` records the models for the head once a database
//! check showed the migrations build exactly them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use forge_core::diff::Change;
use forge_core::graph::RevisionGraph;
use forge_core::model::Schema;
use forge_core::render::postgres::PostgreSql;
use forge_core::render::render_sql;
use forge_core::runner::{Migrator, Status};
use forge_core::snapshot::{Snapshot, SnapshotError, Snapshots};
use forge_core::{registry, scratch};
use serde::Serialize;

use super::{migrator, Database};
use crate::config::Config;
use crate::failure::{CommandResult, Failure};
use crate::output::Output;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// No database: compare the models with the model snapshot of the head revision.
    #[arg(long, conflicts_with_all = ["scratch", "scratch_url", "record_snapshot"])]
    pub offline: bool,
    /// No deployed database: build the migrations in a throwaway database on the
    /// configured server and compare the result with the models.
    #[arg(long)]
    pub scratch: bool,
    /// The server for --scratch (a user allowed to CREATE DATABASE); implies --scratch.
    #[arg(long, value_name = "URL")]
    pub scratch_url: Option<String>,
    /// Once the check passes, record the models as the head revision's snapshot
    /// (for a revision written by hand, or one written before snapshots existed).
    #[arg(long)]
    pub record_snapshot: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// How the check looked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Mode {
    Database,
    Scratch,
    Offline,
}

/// Why the check failed; each cause has its own hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    /// Migrations not applied to the database.
    Pending,
    /// Applied migrations whose file changed since.
    ChangedMigrations,
    /// The database is at a revision no file defines.
    UnknownRevision,
    /// The database differs from the models (at the heads).
    Drift,
    /// The migration files do not build what the models describe.
    MigrationsDiffer,
    /// The models changed since the head revision recorded them.
    ModelsChanged,
    /// Indexes an interrupted `CREATE INDEX CONCURRENTLY` left invalid.
    InvalidIndexes,
}

impl Cause {
    /// The cause's name in `--json` and in the closing line.
    fn name(self) -> &'static str {
        match self {
            Cause::Pending => "pending",
            Cause::ChangedMigrations => "changed_migrations",
            Cause::UnknownRevision => "unknown_revision",
            Cause::Drift => "drift",
            Cause::MigrationsDiffer => "migrations_differ",
            Cause::ModelsChanged => "models_changed",
            Cause::InvalidIndexes => "invalid_indexes",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Cause::Pending => "run `migrate upgrade`",
            Cause::ChangedMigrations => "restore the file, or accept the edit with `migrate upgrade --accept-changed REV`; for a change, write a new revision instead",
            Cause::UnknownRevision => "restore the missing migration file, or `migrate stamp` the database to a known revision",
            Cause::Drift => "`migrate revision MESSAGE` writes these changes as a revision; if the database was changed by hand, undo that instead",
            Cause::MigrationsDiffer => "`migrate revision MESSAGE` against a database at the head writes the missing changes; or fix the migration that builds something else than the models",
            Cause::ModelsChanged => "`migrate revision MESSAGE` writes a revision for the change; if the head revision already makes it (written by hand), `migrate check --scratch --record-snapshot` records the models for it",
            Cause::InvalidIndexes => "run the DROP INDEX CONCURRENTLY listed for each, then build it again: `migrate upgrade` reruns the migration that was interrupted",
        }
    }
}

impl Serialize for Cause {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

#[derive(Debug, Serialize)]
struct Problem {
    cause: Cause,
    message: String,
    hint: &'static str,
    /// Revisions concerned (pending, changed, unknown).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    revisions: Vec<String>,
    /// The changes a new revision would contain, one line each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    changes: Vec<String>,
    /// Their SQL, as `migrate revision` would write it.
    #[serde(skip_serializing_if = "Option::is_none")]
    sql: Option<String>,
}

impl Problem {
    fn new(cause: Cause, message: String) -> Self {
        Problem {
            cause,
            message,
            hint: cause.hint(),
            revisions: Vec::new(),
            changes: Vec::new(),
            sql: None,
        }
    }

    fn with_revisions(mut self, revisions: Vec<String>) -> Self {
        self.revisions = revisions;
        self
    }

    fn with_changes(mut self, changes: &[Change]) -> Self {
        self.changes = changes.iter().map(ToString::to_string).collect();
        self.sql = Some(render_sql(&PostgreSql, changes).trim_end().to_string());
        self
    }
}

/// The model snapshot at the heads, as the report shows it.
#[derive(Debug, Serialize)]
struct SnapshotReport {
    revision: String,
    file: PathBuf,
    /// Whether this run wrote it (`--record-snapshot`).
    recorded: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    format_version: u32,
    mode: Mode,
    ok: bool,
    problems: Vec<Problem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snapshot: Option<SnapshotReport>,
}

pub async fn exec(
    args: CheckArgs,
    config: &Config,
    out: &mut Output<'_>,
) -> CommandResult<Option<ExitCode>> {
    let mode = if args.offline {
        Mode::Offline
    } else if args.scratch || args.scratch_url.is_some() {
        Mode::Scratch
    } else {
        Mode::Database
    };
    let migrator = migrator(config)?;
    let models = registry::schema()?;
    let snapshots = Snapshots::load(&config.migrations_dir())?;
    snapshots.check_against(migrator.graph())?;

    let mut problems = Vec::new();
    // The models against what the heads recorded: with no database in offline
    // mode (where a missing snapshot means the check cannot be done), and as a
    // free extra in the others.
    let recorded = match snapshots.at_heads(migrator.graph()) {
        Ok(snapshot) => Some(snapshot),
        Err(e) if mode == Mode::Offline => return Err(offline_impossible(e)),
        Err(_) => None,
    };
    if let Some(snapshot) = recorded {
        let changes = forge_core::diff::diff(&models, &snapshot.schema);
        if !changes.is_empty() {
            problems.push(
                Problem::new(
                    Cause::ModelsChanged,
                    format!(
                        "the models changed since revision {} recorded them, and no revision was written for the change ({})",
                        snapshot.revision,
                        count(changes.len(), "change")
                    ),
                )
                .with_changes(&changes),
            );
        }
    }
    match mode {
        Mode::Offline => {}
        Mode::Database => problems.extend(against_database(config, &migrator, &models).await?),
        Mode::Scratch => {
            let server = match &args.scratch_url {
                Some(url) => url.as_str(),
                None => config.database_url()?,
            };
            let changes = scratch::changes_against_migrations(&migrator, server, &models).await?;
            if !changes.is_empty() {
                problems.push(
                    Problem::new(
                        Cause::MigrationsDiffer,
                        format!(
                            "the migration files do not build the schema the models describe ({})",
                            count(changes.len(), "change")
                        ),
                    )
                    .with_changes(&changes),
                );
            }
        }
    }

    let snapshot = if args.record_snapshot && problems.is_empty() {
        Some(record_at_head(migrator.graph(), models)?)
    } else {
        recorded.map(|s| SnapshotReport {
            revision: s.revision.clone(),
            file: s.path.clone(),
            recorded: false,
        })
    };
    let snapshot = snapshot.map(|mut s| {
        s.file = shown(config, &s.file);
        s
    });
    let report = Report {
        format_version: 1,
        mode,
        ok: problems.is_empty(),
        problems,
        snapshot,
    };
    if args.json {
        out.json(&report)?;
    } else {
        let verbose = out.is_verbose();
        print(&report, verbose, out)?;
    }
    if report.ok {
        return Ok(None);
    }
    let messages: Vec<&str> = report.problems.iter().map(|p| p.message.as_str()).collect();
    Err(Failure::problem(format!(
        "migrate check found {}: {}",
        count(report.problems.len(), "problem"),
        messages.join("; ")
    ))
    .with_hint(if out.is_verbose() || args.json {
        "each problem above says what to do"
    } else {
        "each problem above says what to do; -v also shows the SQL a new revision would contain"
    }))
}

/// The configured database: pending, edited and unknown revisions, and drift
/// once it is at the heads (drift means nothing while migrations are pending).
async fn against_database(
    config: &Config,
    migrator: &Migrator,
    models: &Schema,
) -> CommandResult<Vec<Problem>> {
    let mut db = Database::connect(config).await?;
    let status = migrator.status(&mut db.connection).await;
    let invalid = forge_core::runner::invalid_indexes(&mut db.connection).await;
    let drift = match &status {
        Ok(s) if s.pending.is_empty() && s.unknown.is_empty() => Some(
            forge_core::autogenerate::changes_excluding(
                &mut db.connection,
                &config.database.schema,
                &config.migrations.version_table,
                &config.exclusions(),
                models,
            )
            .await,
        ),
        _ => None,
    };
    db.close().await;
    let mut problems = status_problems(&status?);
    let invalid = invalid?;
    if !invalid.is_empty() {
        let names: Vec<String> = invalid.iter().map(|i| i.name()).collect();
        let mut problem = Problem::new(
            Cause::InvalidIndexes,
            format!(
                "{} left invalid by an interrupted CREATE INDEX CONCURRENTLY: {}",
                match invalid.len() {
                    1 => "1 index".to_string(),
                    n => format!("{n} indexes"),
                },
                names.join(", ")
            ),
        );
        // The repair of each, shown like a revision's changes.
        problem.changes = invalid.iter().map(|i| format!("{};", i.repair())).collect();
        problems.push(problem);
    }
    if let Some(changes) = drift.transpose()? {
        if !changes.is_empty() {
            problems.push(
                Problem::new(
                    Cause::Drift,
                    format!(
                        "the database differs from the models: a new revision would contain {}",
                        count(changes.len(), "change")
                    ),
                )
                .with_changes(&changes),
            );
        }
    }
    Ok(problems)
}

fn status_problems(status: &Status) -> Vec<Problem> {
    let mut problems = Vec::new();
    if !status.pending.is_empty() {
        problems.push(
            Problem::new(
                Cause::Pending,
                format!(
                    "{} {} not applied ({})",
                    count(status.pending.len(), "migration"),
                    if status.pending.len() == 1 {
                        "is"
                    } else {
                        "are"
                    },
                    status.pending.join(", ")
                ),
            )
            .with_revisions(status.pending.clone()),
        );
    }
    if !status.changed.is_empty() {
        let ids: Vec<String> = status.changed.iter().map(|c| c.revision.clone()).collect();
        let files: Vec<String> = status
            .changed
            .iter()
            .map(|c| format!("{} ({})", c.revision, c.file.display()))
            .collect();
        problems.push(
            Problem::new(
                Cause::ChangedMigrations,
                format!(
                    "applied migration files changed since: {}",
                    files.join(", ")
                ),
            )
            .with_revisions(ids),
        );
    }
    if !status.unknown.is_empty() {
        problems.push(
            Problem::new(
                Cause::UnknownRevision,
                format!(
                    "the database is at revisions no file defines ({})",
                    status.unknown.join(", ")
                ),
            )
            .with_revisions(status.unknown.clone()),
        );
    }
    problems
}

/// Writes the head's snapshot (a check just showed the models are what the
/// migrations build).
fn record_at_head(graph: &RevisionGraph, models: Schema) -> CommandResult<SnapshotReport> {
    let head = match graph.heads().as_slice() {
        [head] => head.to_string(),
        [] => {
            return Err(Failure::error(
                "there are no migrations yet, so there is no revision to record the models for",
            )
            .with_hint("`migrate revision MESSAGE` writes the first one, with its snapshot"))
        }
        heads => return Err(Failure::error(format!(
            "the migrations have {} heads ({}), so the models belong to no single revision",
            heads.len(),
            heads.join(", ")
        ))
        .with_hint(
            "merge them first (`migrate merge -m MESSAGE`), then record the snapshot of the merge",
        )),
    };
    let script = graph.get(&head).expect("a head is a revision of the graph");
    let snapshot = Snapshot::new(head.clone(), models, &script.path);
    snapshot.write()?;
    Ok(SnapshotReport {
        revision: head,
        file: snapshot.path,
        recorded: true,
    })
}

/// Offline mode needs the heads' snapshot; without one it cannot say anything.
fn offline_impossible(error: SnapshotError) -> Failure {
    let hint = match &error {
        SnapshotError::MissingAtHead { .. } => "with a database, `migrate check --scratch --record-snapshot` (or `migrate check --record-snapshot` at the head) records it once the migrations are shown to build the models",
        SnapshotError::DivergingHeads { .. } => "`migrate merge -m MESSAGE` joins the heads",
        SnapshotError::NoRevisions => "`migrate revision MESSAGE` writes the first revision and its snapshot",
        _ => "fix or delete the snapshot file named above",
    };
    Failure::error(format!("cannot check offline: {error}")).with_hint(hint)
}

fn print(report: &Report, verbose: bool, out: &mut Output<'_>) -> Result<(), Failure> {
    if report.ok {
        out.line(match report.mode {
            Mode::Database => {
                "OK: the database is at the head of the migrations, and the models match it."
            }
            Mode::Scratch => {
                "OK: the migration files build exactly the schema the models describe."
            }
            Mode::Offline => "OK: the models match what the head revision recorded.",
        })?;
    }
    for problem in &report.problems {
        out.line(format!("FAIL {}", problem.message))?;
        for change in &problem.changes {
            out.line(format!("       {change}"))?;
        }
        if verbose {
            if let Some(sql) = &problem.sql {
                out.line("     SQL a new revision would contain:")?;
                for line in sql.lines() {
                    out.line(format!("       {line}"))?;
                }
            }
        }
        out.line(format!("     hint: {}", problem.hint))?;
    }
    if let Some(snapshot) = &report.snapshot {
        if snapshot.recorded {
            out.line(format!(
                "Recorded the models as revision {}'s snapshot in {} (commit it with the migrations).",
                snapshot.revision,
                snapshot.file.display()
            ))?;
        }
    }
    Ok(())
}

fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// A path relative to the project root when it is inside it.
fn shown(config: &Config, path: &Path) -> PathBuf {
    path.strip_prefix(&config.root)
        .unwrap_or(path)
        .to_path_buf()
}
