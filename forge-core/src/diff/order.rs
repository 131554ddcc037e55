//! The order tables are created in: a table after the tables its foreign keys
//! point at. A cycle is broken by creating one table without the foreign keys
//! that close it and adding those once every table exists. Dropping is the
//! same plan, inverted and reversed.

use std::collections::BTreeSet;

use crate::model::Table;

use super::change::Change;

/// `CreateTable` changes in dependency order, and the `AddForeignKey` changes
/// deferred to break cycles. `existing` names tables that are already there.
pub(crate) fn create_plan(
    tables: &[&Table],
    existing: &BTreeSet<String>,
) -> (Vec<Change>, Vec<Change>) {
    let mut remaining: Vec<&Table> = tables.to_vec();
    remaining.sort_by(|a, b| a.name.cmp(&b.name));
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut creates = Vec::new();
    let mut deferred = Vec::new();
    let ready = |table: &Table, placed: &BTreeSet<String>| {
        table.foreign_keys.iter().all(|fk| {
            fk.referenced_table == table.name
                || existing.contains(&fk.referenced_table)
                || placed.contains(&fk.referenced_table)
        })
    };
    while !remaining.is_empty() {
        if let Some(i) = remaining.iter().position(|t| ready(t, &placed)) {
            let table = remaining.remove(i);
            placed.insert(table.name.clone());
            creates.push(Change::CreateTable(clean(table)));
            continue;
        }
        // A cycle: create the first table now; its foreign keys to tables not
        // yet created are added at the end.
        let table = remaining.remove(0);
        let mut now = clean(table);
        let (inline, later): (Vec<_>, Vec<_>) = now.foreign_keys.drain(..).partition(|fk| {
            fk.referenced_table == table.name
                || existing.contains(&fk.referenced_table)
                || placed.contains(&fk.referenced_table)
        });
        now.foreign_keys = inline;
        for foreign_key in later {
            deferred.push(Change::AddForeignKey {
                table: table.name.clone(),
                foreign_key,
            });
        }
        placed.insert(table.name.clone());
        creates.push(Change::CreateTable(now));
    }
    (creates, deferred)
}

/// Drops in an order PostgreSQL accepts: the foreign keys closing cycles first,
/// then referencing tables before the tables they reference.
pub(crate) fn drop_plan(tables: &[&Table], existing: &BTreeSet<String>) -> Vec<Change> {
    let (creates, deferred) = create_plan(tables, existing);
    creates
        .iter()
        .chain(&deferred)
        .rev()
        .map(Change::inverse)
        .collect()
}

/// The table without what only models carry (`renamed_from`).
fn clean(table: &Table) -> Table {
    let mut table = table.clone();
    table.renamed_from.clear();
    for column in &mut table.columns {
        column.renamed_from.clear();
    }
    table
}
