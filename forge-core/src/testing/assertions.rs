//! The schema assertions: each panics with every difference it found and what
//! to do about it, as a test assertion should. They are plain functions (not
//! async): each that needs a database runs on a runtime of its own, so a
//! `#[test]` and an async test can call them alike.

use std::collections::BTreeSet;
use std::future::Future;

use crate::autogenerate;
use crate::diff::{diff, Change};
use crate::embedded::{EmbeddedMigrations, MigrationSession};
use crate::graph::{RevisionGraph, RevisionSpec};
use crate::model::Schema;
use crate::registry;
use crate::render::postgres::PostgreSql;
use crate::render::render_migration;
use crate::runner::{Migrator, UpgradeOptions};
use crate::scratch::{self, ScratchDatabase};

use super::catalog::{self, Catalog};
use super::database::server_url;

/// The registry's checks, with no database: every entity is linked, no table
/// is defined twice, every foreign key points at a registered table and
/// column, and PostgreSQL can store what the models say. Returns the schema
/// the models describe.
#[track_caller]
pub fn assert_models_valid() -> Schema {
    check_models().unwrap_or_else(|message| panic!("{message}"))
}

/// The models equal the snapshot the migrations' heads recorded when they were
/// written — no database needed. Fails when a model changed and no revision
/// was written for it (Django's `makemigrations --check`).
#[track_caller]
pub fn assert_models_match_snapshot(migrations: &EmbeddedMigrations) {
    if let Err(message) = check_snapshot(migrations) {
        panic!("{message}");
    }
}

/// The migration files build exactly the schema the models describe: applied
/// in order to a scratch database on the test server, read back, compared.
#[track_caller]
pub fn assert_models_match_migrations(migrations: &EmbeddedMigrations) {
    if let Err(message) = check_migrations(migrations) {
        panic!("{message}");
    }
}

/// Each revision's downgrade restores the catalog its upgrade started from:
/// the migrations are applied one at a time to a scratch database, then
/// reverted one at a time, and the catalog (tables, columns, constraints,
/// indexes, enums, and the views, sequences, functions, triggers and types the
/// models do not describe) is compared at every step.
///
/// Revisions applied while the history has several open branches are reverted
/// and compared together with the rest of their stretch (a single downgrade
/// target cannot name the state in between).
#[track_caller]
pub fn assert_reversible(migrations: &EmbeddedMigrations) {
    if let Err(message) = check_reversible(migrations) {
        panic!("{message}");
    }
}

fn check_models() -> Result<Schema, String> {
    let schema = registry::schema().map_err(|e| format!("the models are not valid: {e}"))?;
    autogenerate::validate(&schema).map_err(|e| format!("the models are not valid: {e}"))?;
    Ok(schema)
}

fn check_snapshot(migrations: &EmbeddedMigrations) -> Result<(), String> {
    let models = check_models()?;
    let migrator = migrations.migrator().map_err(|e| e.to_string())?;
    let snapshots = migrations.snapshots().map_err(|e| e.to_string())?;
    let recorded = snapshots.at_heads(migrator.graph()).map_err(|e| {
        format!("{e}; `migrate check --scratch --record-snapshot` records it once the migrations are shown to build the models")
    })?;
    let changes = diff(&models, &recorded.schema);
    if changes.is_empty() {
        return Ok(());
    }
    Err(mismatch(
        &format!(
            "the models changed since revision {} recorded them ({}), and no revision was written for the change",
            recorded.revision,
            recorded.path.display()
        ),
        &changes,
    ))
}

fn check_migrations(migrations: &EmbeddedMigrations) -> Result<(), String> {
    let models = check_models()?;
    let migrator = migrations.migrator().map_err(|e| e.to_string())?;
    let server = server_url();
    let changes = block_on(|| scratch::changes_against_migrations(migrator, &server, &models))
        .map_err(|e| e.to_string())?;
    if changes.is_empty() {
        return Ok(());
    }
    Err(mismatch(
        "the migrations do not build the schema the models describe",
        &changes,
    ))
}

fn check_reversible(migrations: &EmbeddedMigrations) -> Result<(), String> {
    let migrator = migrations.migrator().map_err(|e| e.to_string())?;
    let server = server_url();
    block_on(|| async {
        let scratch = ScratchDatabase::create(&server, "forge_test")
            .await
            .map_err(|e| e.to_string())?;
        let result = walk_up_and_down(migrator, &scratch).await;
        scratch.drop_now().await;
        result
    })
}

async fn walk_up_and_down(migrator: &Migrator, scratch: &ScratchDatabase) -> Result<(), String> {
    let schema = migrator
        .schema()
        .unwrap_or(crate::settings::DEFAULT_SCHEMA)
        .to_string();
    scratch
        .ensure_schema(&schema)
        .await
        .map_err(|e| e.to_string())?;
    let mut session = MigrationSession::connect(scratch.connect_options(), &schema)
        .await
        .map_err(|e| e.to_string())?;
    let result = check_each_downgrade(migrator, &mut session, &schema).await;
    session.close().await;
    result
}

async fn check_each_downgrade(
    migrator: &Migrator,
    session: &mut MigrationSession,
    schema: &str,
) -> Result<(), String> {
    let graph = migrator.graph();
    let bookkeeping = migrator.bookkeeping();
    let heads: Vec<String> = graph.heads().into_iter().map(String::from).collect();
    let order: Vec<String> = graph
        .plan_upgrade_to(&[], &heads)
        .map_err(|e| e.to_string())?
        .iter()
        .map(|step| step.revision.revision.clone())
        .collect();

    // states[i]: the catalog once the first i revisions are applied.
    let mut states: Vec<Catalog> =
        vec![catalog::capture(&mut session.connection, schema, bookkeeping).await?];
    for revision in &order {
        migrator
            .upgrade_with(
                session.runner(),
                &RevisionSpec::Revision(revision.clone()),
                &UpgradeOptions::default(),
                &mut (),
            )
            .await
            .map_err(|e| format!("upgrading to {revision} failed: {e}"))?;
        states.push(catalog::capture(&mut session.connection, schema, bookkeeping).await?);
    }

    let mut top = order.len();
    while top > 0 {
        let (bottom, target) = (0..top)
            .rev()
            .find_map(|j| downgrade_target(graph, &order[..j], &order[j..top]).map(|t| (j, t)))
            .expect("base is always a downgrade target");
        let reverted = describe(graph, &order[bottom..top]);
        migrator
            .downgrade_with(session.runner(), &target, &mut ())
            .await
            .map_err(|e| format!("reverting {reverted} failed: {e}"))?;
        let now = catalog::capture(&mut session.connection, schema, bookkeeping).await?;
        let differences = catalog::differences(&states[bottom], &now);
        if !differences.is_empty() {
            return Err(format!(
                "the downgrade of {reverted} does not restore the catalog its upgrade started from:\n  {}",
                differences.join("\n  ")
            ));
        }
        top = bottom;
    }
    Ok(())
}

/// The spec whose downgrade, from `kept` + `reverted` applied, reverts exactly
/// `reverted`: base, or a revision whose ancestry is all of `kept` and of which
/// every reverted revision descends (a downgrade to R reverts R's descendants).
fn downgrade_target(
    graph: &RevisionGraph,
    kept: &[String],
    reverted: &[String],
) -> Option<RevisionSpec> {
    if kept.is_empty() {
        return Some(RevisionSpec::Base);
    }
    let kept_set: BTreeSet<&str> = kept.iter().map(String::as_str).collect();
    kept.iter()
        .find(|candidate| {
            let mut closure: BTreeSet<&str> = graph.ancestors(candidate).into_iter().collect();
            closure.insert(candidate.as_str());
            let descendants: BTreeSet<&str> = graph.descendants(candidate).into_iter().collect();
            closure == kept_set && reverted.iter().all(|r| descendants.contains(r.as_str()))
        })
        .map(|r| RevisionSpec::Revision(r.clone()))
}

fn describe(graph: &RevisionGraph, revisions: &[String]) -> String {
    revisions
        .iter()
        .rev()
        .map(|r| match graph.get(r) {
            Some(script) => format!("revision {r} ({})", script.path.display()),
            None => format!("revision {r}"),
        })
        .collect::<Vec<_>>()
        .join(", then ")
}

/// Each difference, and the SQL of a revision that would close them.
fn mismatch(headline: &str, changes: &[Change]) -> String {
    let list: Vec<String> = changes.iter().map(|c| format!("  {c}")).collect();
    let (upgrade, _) = render_migration(&PostgreSql, changes);
    format!(
        "{headline}: {} difference{}\n{}\n\n`migrate revision MESSAGE` would write:\n{}",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" },
        list.join("\n"),
        upgrade.trim_end()
    )
}

/// Runs the future `start` makes to completion on a runtime of its own, on a
/// thread of its own (callable from inside another runtime); a panic travels
/// on. The future is made on that thread, so it need not be `Send` (sqlx's
/// borrowed-connection futures are not provably so).
fn block_on<T: Send, F: Future<Output = T>>(start: impl FnOnce() -> F + Send) -> T {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a test can start a tokio runtime")
                    .block_on(start())
            })
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}
