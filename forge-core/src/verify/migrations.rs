//! The migration state: where the database is against the files (current vs
//! heads, pending count, unknown revisions, applied migrations whose file
//! changed), read with the runner's own bookkeeping functions.

use sqlx::PgConnection;

use super::{Check, Expectations, Status};
use crate::database::quote_identifier;
use crate::runner::Migrator;

/// Pushes the `migrations` and `checksums` checks; returns the pending count
/// (drift is expected while migrations are pending), `None` when unknown.
pub(super) async fn state(
    connection: &mut PgConnection,
    expect: &Expectations,
    checks: &mut Vec<Check>,
) -> Option<usize> {
    let migrator = match Migrator::from_directory(&expect.migrations_dir) {
        Ok(m) => m
            .with_version_table(&expect.version_table)
            .with_schema(Some(&expect.schema)),
        Err(e) => {
            checks.push(Check::new(
                "migrations",
                Status::Fail,
                format!(
                    "cannot read the migrations in {}: {e}",
                    expect.migrations_dir.display()
                ),
            ));
            checks.push(Check::new(
                "checksums",
                Status::Skip,
                "the migration files cannot be read",
            ));
            return None;
        }
    };
    // The bookkeeping tables are unqualified: read them in the configured schema.
    if let Err(e) = sqlx::query(&format!(
        "SET search_path TO {}",
        quote_identifier(&expect.schema)
    ))
    .execute(&mut *connection)
    .await
    {
        checks.push(Check::new(
            "migrations",
            Status::Fail,
            format!(
                "cannot use schema `{}`: {}",
                expect.schema,
                super::describe(&e)
            ),
        ));
        return None;
    }
    let status = match migrator.status(connection).await {
        Ok(status) => status,
        Err(e) => {
            checks.push(Check::new(
                "migrations",
                Status::Fail,
                format!("cannot read the migration state: {e}"),
            ));
            checks.push(Check::new(
                "checksums",
                Status::Skip,
                "the migration state cannot be read",
            ));
            return None;
        }
    };
    let graph = migrator.graph();
    let heads: Vec<&str> = graph.heads();
    let current = if status.heads.is_empty() {
        "base".to_string()
    } else {
        status.heads.join(", ")
    };
    let files = graph.len();
    let check = if !status.unknown.is_empty() {
        Check::new(
            "migrations",
            Status::Fail,
            format!(
                "the database is at {}, which no file in {} defines (a newer deployment's migration, or a deleted file)",
                status.unknown.join(", "),
                expect.migrations_dir.display()
            ),
        )
    } else if files == 0 {
        Check::new(
            "migrations",
            Status::Ok,
            format!("no migration files yet; the database is at {current}"),
        )
    } else if status.pending.is_empty() {
        Check::new(
            "migrations",
            Status::Ok,
            format!("at head {current} ({files} applied)"),
        )
    } else {
        Check::new(
            "migrations",
            Status::Warn,
            format!(
                "at {current}; {} of {files} pending up to {} (run `migrate upgrade`)",
                status.pending.len(),
                heads.join(", ")
            ),
        )
    };
    checks.push(check);
    checks.push(if status.changed.is_empty() {
        Check::new("checksums", Status::Ok, "no applied migration was edited since it ran")
    } else {
        let files: Vec<String> = status
            .changed
            .iter()
            .map(|c| format!("{} ({})", c.revision, c.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()))
            .collect();
        Check::new(
            "checksums",
            Status::Fail,
            format!("applied migrations whose file changed since they ran: {}; write a new migration instead of editing one", files.join(", ")),
        )
    });
    Some(status.pending.len())
}
