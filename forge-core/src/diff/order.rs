//! The order tables are created in: a table after the tables its foreign keys
//! point at. A cycle is broken by creating one table without the foreign keys
//! that close it and adding those once every table exists. Dropping is the
//! same plan, inverted and reversed.

use std::collections::BTreeSet;

use crate::model::{Table, TableName};

use super::change::Change;

/// `CreateTable` changes in dependency order, and the `AddForeignKey` changes
/// deferred to break cycles. `existing` names tables that are already there.
pub(crate) fn create_plan(
    tables: &[&Table],
    existing: &BTreeSet<TableName>,
) -> (Vec<Change>, Vec<Change>) {
    let mut remaining: Vec<&Table> = tables.to_vec();
    remaining.sort_by_key(|t| t.qualified_name());
    let mut placed: BTreeSet<TableName> = BTreeSet::new();
    let mut creates = Vec::new();
    let mut deferred = Vec::new();
    let available = |table: &Table, target: &TableName, placed: &BTreeSet<TableName>| {
        *target == table.qualified_name() || existing.contains(target) || placed.contains(target)
    };
    let ready = |table: &Table, placed: &BTreeSet<TableName>| {
        table
            .foreign_keys
            .iter()
            .all(|fk| available(table, &fk.referenced(), placed))
    };
    while !remaining.is_empty() {
        if let Some(i) = remaining.iter().position(|t| ready(t, &placed)) {
            let table = remaining.remove(i);
            placed.insert(table.qualified_name());
            creates.push(Change::CreateTable(clean(table)));
            continue;
        }
        // A cycle: create the first table now; its foreign keys to tables not
        // yet created are added at the end.
        let table = remaining.remove(0);
        let mut now = clean(table);
        let (inline, later): (Vec<_>, Vec<_>) = now
            .foreign_keys
            .drain(..)
            .partition(|fk| available(table, &fk.referenced(), &placed));
        now.foreign_keys = inline;
        for foreign_key in later {
            deferred.push(Change::AddForeignKey {
                table: table.qualified_name(),
                foreign_key,
            });
        }
        placed.insert(table.qualified_name());
        creates.push(Change::CreateTable(now));
    }
    (creates, deferred)
}

/// Drops in an order PostgreSQL accepts: the foreign keys closing cycles first,
/// then referencing tables before the tables they reference.
pub(crate) fn drop_plan(tables: &[&Table], existing: &BTreeSet<TableName>) -> Vec<Change> {
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
