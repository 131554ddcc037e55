//! The guard: what a generated revision must not do to what Forge does not
//! manage. It must not drop tables no Forge migration created (pointed at
//! the wrong database, or at one not adopted yet, the first revision would
//! drop everything), and it must not drop or retype what views, functions,
//! triggers or partitions use (PostgreSQL refuses that at upgrade, or takes
//! them away with it).

mod dependents;
mod provenance;

use std::collections::BTreeSet;

use sqlx::PgConnection;

pub use dependents::{conflicts, targets, Action, Conflict, Target};
pub use provenance::created_tables;

use crate::diff::Change;
use crate::model::TableName;

/// How many names a sentence lists before it says how many more there are.
const LISTED: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error("this revision would drop {} that no Forge migration created ({}); is this the database you meant? Leave them to the database with `[autogenerate] exclude` in forge.toml, adopt the database first with `migrate baseline`, or drop them on purpose with --drop-unmanaged", count(.tables.len(), "table"), list(.tables))]
    UnmanagedTablesDropped { tables: Vec<TableName> },
    #[error("this revision {}; PostgreSQL refuses that while they exist, or takes them away with it. Write the change by hand around them (drop them, change, create them again; `schema inspect --sql` prints them): `migrate revision MESSAGE --no-autogenerate`", describe(.conflicts))]
    UsedByUnmanaged { conflicts: Vec<Conflict> },
    #[error("reading what uses the tables and columns this revision changes failed: {0}; check that the connection is alive and the user may read pg_catalog")]
    Catalog(#[source] sqlx::Error),
}

fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    let shown: Vec<String> = items.iter().take(LISTED).map(|t| t.to_string()).collect();
    match items.len().saturating_sub(LISTED) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// `drops column users.email, which view active_users uses; ...`, one
/// clause per change.
fn describe(conflicts: &[Conflict]) -> String {
    let mut clauses: Vec<String> = Vec::new();
    let mut at = 0;
    while at < conflicts.len() {
        let target = &conflicts[at].target;
        let objects: Vec<String> = conflicts[at..]
            .iter()
            .take_while(|c| c.target == *target)
            .map(|c| c.object.to_string())
            .collect();
        at += objects.len();
        clauses.push(format!(
            "{target}, which {} {} ({})",
            count(objects.len(), "object"),
            if objects.len() == 1 {
                "Forge does not manage uses"
            } else {
                "Forge does not manage use"
            },
            list(&objects)
        ));
    }
    clauses.join("; it also ")
}

/// The tables `changes` drop that no applied revision created (`created`),
/// sorted.
pub fn unmanaged_drops(changes: &[Change], created: &BTreeSet<TableName>) -> Vec<TableName> {
    let mut tables: Vec<TableName> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable(t) => Some(t.qualified_name()),
            _ => None,
        })
        .filter(|t| !created.contains(t))
        .collect();
    tables.sort();
    tables
}

/// Stops a revision that drops tables no Forge migration created.
pub fn check_drops(changes: &[Change], created: &BTreeSet<TableName>) -> Result<(), GuardError> {
    let tables = unmanaged_drops(changes, created);
    if tables.is_empty() {
        Ok(())
    } else {
        Err(GuardError::UnmanagedTablesDropped { tables })
    }
}

/// Stops a revision that drops or retypes what an unmanaged object uses.
pub async fn check_dependents(
    conn: &mut PgConnection,
    default_schema: &str,
    changes: &[Change],
) -> Result<(), GuardError> {
    let found = conflicts(conn, default_schema, &targets(changes))
        .await
        .map_err(GuardError::Catalog)?;
    if found.is_empty() {
        Ok(())
    } else {
        Err(GuardError::UsedByUnmanaged { conflicts: found })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ObjectKind, ObjectRef, Table};

    #[test]
    fn only_tables_no_revision_created_are_in_the_way() {
        let changes = vec![
            Change::DropTable(Table::new("orders")),
            Change::DropTable(Table::new("legacy_users")),
            Change::DropTable(Table {
                schema: Some("audit".into()),
                ..Table::new("log")
            }),
        ];
        let created: BTreeSet<TableName> = [TableName::bare("orders")].into_iter().collect();
        let err = check_drops(&changes, &created).unwrap_err().to_string();
        assert!(
            err.starts_with("this revision would drop 2 tables that no Forge migration created (legacy_users, audit.log); is this the database you meant?"),
            "{err}"
        );
        for way in [
            "[autogenerate] exclude",
            "migrate baseline",
            "--drop-unmanaged",
        ] {
            assert!(err.contains(way), "{err}");
        }
        let all: BTreeSet<TableName> = [
            TableName::bare("orders"),
            TableName::bare("legacy_users"),
            TableName::new(Some("audit"), "log"),
        ]
        .into_iter()
        .collect();
        assert!(check_drops(&changes, &all).is_ok());
    }

    #[test]
    fn conflicts_read_as_one_sentence_per_change() {
        let target = |column: &str| Target {
            table: TableName::bare("users"),
            column: Some(column.into()),
            action: Action::Drop,
        };
        let view = |name: &str| ObjectRef {
            kind: ObjectKind::View,
            schema: None,
            name: name.into(),
            table: None,
        };
        let err = GuardError::UsedByUnmanaged {
            conflicts: vec![
                Conflict {
                    target: target("email"),
                    object: view("active_users"),
                },
                Conflict {
                    target: target("email"),
                    object: view("mailing_list"),
                },
                Conflict {
                    target: target("name"),
                    object: view("directory"),
                },
            ],
        }
        .to_string();
        assert!(err.starts_with("this revision drops column users.email, which 2 objects Forge does not manage use (view active_users, view mailing_list); it also drops column users.name, which 1 object Forge does not manage uses (view directory); PostgreSQL refuses"), "{err}");
    }
}
