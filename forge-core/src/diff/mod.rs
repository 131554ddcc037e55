//! The diff: a pure function from the desired schema (the models) and the live
//! one (introspection) to the ordered list of [`Change`]s between them.
//!
//! The order is the one PostgreSQL needs:
//! 1. renames the models ask for (`renamed_from`), so later steps use new names;
//! 2. foreign keys, checks, indexes, uniques and primary keys that go away or
//!    change (dropped before what they depend on), then renames of those whose
//!    definition is unchanged but whose name differs;
//! 3. tables that go away (referencing tables first) and columns that go away;
//! 4. enum types created or changed (before the columns that use them);
//! 5. new tables (referenced tables first);
//! 6. new and altered columns, table comments;
//! 7. primary keys, uniques, indexes and checks added;
//! 8. foreign keys added (after every table and key they point at exists);
//! 9. enum types dropped (after the columns that used them).

mod change;
mod compare;
mod enums;
mod order;
mod rename;

use std::collections::BTreeSet;

pub use change::{Change, EnumColumn, EnumValuePosition};

use crate::model::{Column, ColumnType, Schema, Table};

use compare::*;

/// The changes that turn `live` into `desired`, in an order the database accepts.
pub fn diff(desired: &Schema, live: &Schema) -> Vec<Change> {
    let (mut changes, live) = rename::apply_renames(desired, live);

    let kept: Vec<(&Table, &Table)> = desired
        .tables
        .iter()
        .filter_map(|d| live.table(&d.name).map(|l| (d, l)))
        .collect();
    let kept_names: BTreeSet<String> = kept.iter().map(|(d, _)| d.name.clone()).collect();
    let created: Vec<&Table> = desired
        .tables
        .iter()
        .filter(|t| live.table(&t.name).is_none())
        .collect();
    let dropped: Vec<&Table> = live
        .tables
        .iter()
        .filter(|t| desired.table(&t.name).is_none())
        .collect();

    // 2. What goes away or changes, dropped before what it depends on.
    for (d, l) in &kept {
        changes.extend(dropped_constraints(d, l));
    }
    for (d, l) in &kept {
        changes.extend(renamed_constraints(d, l));
    }

    // 3. Tables, then columns, that go away.
    changes.extend(order::drop_plan(&dropped, &kept_names));
    let mut dropped_columns: BTreeSet<(String, String)> = BTreeSet::new();
    for (d, l) in &kept {
        for column in l.columns.iter().filter(|c| d.column(&c.name).is_none()) {
            dropped_columns.insert((d.name.clone(), column.name.clone()));
            changes.push(Change::DropColumn {
                table: d.name.clone(),
                column: column.clone(),
            });
        }
    }

    // 4. Enum types, before the columns that use them.
    let gone = |table: &str, column: &str| {
        !kept_names.contains(table)
            || dropped_columns.contains(&(table.to_string(), column.to_string()))
    };
    for e in &desired.enums {
        match live.enum_type(&e.name) {
            None => changes.push(Change::CreateEnum(e.clone())),
            Some(l) => changes.extend(enums::enum_changes(
                e,
                l,
                enums::columns_using(&live, &e.name, gone),
            )),
        }
    }

    // 5. New tables; foreign keys closing a cycle wait for step 8.
    let (creates, deferred_foreign_keys) = order::create_plan(&created, &kept_names);
    changes.extend(creates);

    // 6. Columns and table comments.
    for (d, l) in &kept {
        for column in &d.columns {
            match l.column(&column.name) {
                None => {
                    let mut column = column.clone();
                    column.renamed_from.clear();
                    changes.push(Change::AddColumn {
                        table: d.name.clone(),
                        column,
                    });
                }
                Some(live_column) => changes.extend(column_changes(&d.name, column, live_column)),
            }
        }
        if !same_comment(&d.comment, &l.comment) {
            changes.push(Change::SetTableComment {
                table: d.name.clone(),
                from: l.comment.clone(),
                to: d.comment.clone(),
            });
        }
    }

    // 7. Keys, indexes and checks added.
    for (d, l) in &kept {
        changes.extend(added_constraints(d, l));
    }

    // 8. Foreign keys added.
    for (d, l) in &kept {
        for fk in &d.foreign_keys {
            let exists = l.foreign_keys.iter().any(|x| same_foreign_key(fk, x));
            if !exists {
                changes.push(Change::AddForeignKey {
                    table: d.name.clone(),
                    foreign_key: fk.clone(),
                });
            }
        }
    }
    changes.extend(deferred_foreign_keys);

    // 9. Enum types no model uses any more.
    for e in &live.enums {
        if desired.enum_type(&e.name).is_none() {
            changes.push(Change::DropEnum(e.clone()));
        }
    }
    changes
}

/// Constraints and indexes of a kept table that no longer match any desired
/// one (by name or, for a rename, by definition).
fn dropped_constraints(d: &Table, l: &Table) -> Vec<Change> {
    let table = || d.name.clone();
    let mut out = Vec::new();
    for fk in &l.foreign_keys {
        if !d.foreign_keys.iter().any(|x| same_foreign_key(x, fk)) {
            out.push(Change::DropForeignKey {
                table: table(),
                foreign_key: fk.clone(),
            });
        }
    }
    for check in &l.checks {
        if !d.checks.iter().any(|x| same_check(x, check)) {
            out.push(Change::DropCheck {
                table: table(),
                check: check.clone(),
            });
        }
    }
    for index in &l.indexes {
        if !d.indexes.iter().any(|x| same_index(x, index)) {
            out.push(Change::DropIndex {
                table: table(),
                index: index.clone(),
            });
        }
    }
    for unique in &l.uniques {
        if !d.uniques.iter().any(|x| same_unique(x, unique)) {
            out.push(Change::DropUnique {
                table: table(),
                unique: unique.clone(),
            });
        }
    }
    if let Some(pk) = &l.primary_key {
        if !d
            .primary_key
            .as_ref()
            .is_some_and(|x| same_primary_key(x, pk))
        {
            out.push(Change::DropPrimaryKey {
                table: table(),
                primary_key: pk.clone(),
            });
        }
    }
    out
}

/// Same definition, another name: a rename, never a drop and an add.
fn renamed_constraints(d: &Table, l: &Table) -> Vec<Change> {
    let table = || d.name.clone();
    let mut out = Vec::new();
    let mut constraint = |from: &str, to: &str| {
        if from != to {
            out.push(Change::RenameConstraint {
                table: table(),
                from: from.to_string(),
                to: to.to_string(),
            });
        }
    };
    if let (Some(dp), Some(lp)) = (&d.primary_key, &l.primary_key) {
        if same_primary_key(dp, lp) {
            constraint(&lp.name, &dp.name);
        }
    }
    for fk in &l.foreign_keys {
        if let Some(x) = d.foreign_keys.iter().find(|x| same_foreign_key(x, fk)) {
            constraint(&fk.name, &x.name);
        }
    }
    for u in &l.uniques {
        if let Some(x) = d.uniques.iter().find(|x| same_unique(x, u)) {
            constraint(&u.name, &x.name);
        }
    }
    for c in &l.checks {
        if let Some(x) = d.checks.iter().find(|x| same_check(x, c)) {
            constraint(&c.name, &x.name);
        }
    }
    for i in &l.indexes {
        if let Some(x) = d.indexes.iter().find(|x| same_index(x, i)) {
            if x.name != i.name {
                out.push(Change::RenameIndex {
                    table: table(),
                    from: i.name.clone(),
                    to: x.name.clone(),
                });
            }
        }
    }
    out
}

fn added_constraints(d: &Table, l: &Table) -> Vec<Change> {
    let table = || d.name.clone();
    let mut out = Vec::new();
    if let Some(pk) = &d.primary_key {
        if !l
            .primary_key
            .as_ref()
            .is_some_and(|x| same_primary_key(x, pk))
        {
            out.push(Change::AddPrimaryKey {
                table: table(),
                primary_key: pk.clone(),
            });
        }
    }
    for unique in &d.uniques {
        if !l.uniques.iter().any(|x| same_unique(x, unique)) {
            out.push(Change::AddUnique {
                table: table(),
                unique: unique.clone(),
            });
        }
    }
    for index in &d.indexes {
        if !l.indexes.iter().any(|x| same_index(x, index)) {
            out.push(Change::CreateIndex {
                table: table(),
                index: index.clone(),
            });
        }
    }
    for check in &d.checks {
        if !l.checks.iter().any(|x| same_check(x, check)) {
            out.push(Change::AddCheck {
                table: table(),
                check: check.clone(),
            });
        }
    }
    out
}

/// The changes of one column that exists on both sides.
fn column_changes(table: &str, d: &Column, l: &Column) -> Vec<Change> {
    let mut out = Vec::new();
    let (t, c) = (table.to_string(), d.name.clone());
    // An identity column has no default of its own (introspection may see the sequence).
    let live_default = if l.identity.is_some() {
        None
    } else {
        l.default.clone()
    };
    let desired_default = if d.identity.is_some() {
        None
    } else {
        d.default.clone()
    };
    let default_changes = !same_default(&desired_default, &live_default);
    let type_changes = d.column_type != l.column_type;
    // A default of the old type may not cast to the new one: drop it first.
    let drop_default_first =
        type_changes && live_default.is_some() && needs_cast(&l.column_type, &d.column_type);
    if drop_default_first {
        out.push(Change::AlterColumnDefault {
            table: t.clone(),
            column: c.clone(),
            from: live_default.clone(),
            to: None,
        });
    }
    if l.identity.is_some() && d.identity.is_none() {
        out.push(Change::AlterColumnIdentity {
            table: t.clone(),
            column: c.clone(),
            from: l.identity,
            to: None,
        });
    }
    if type_changes {
        out.push(Change::AlterColumnType {
            table: t.clone(),
            column: c.clone(),
            from: l.column_type.clone(),
            to: d.column_type.clone(),
        });
    }
    if d.nullable != l.nullable {
        out.push(Change::AlterColumnNullability {
            table: t.clone(),
            column: c.clone(),
            nullable: d.nullable,
        });
    }
    if drop_default_first {
        if desired_default.is_some() {
            out.push(Change::AlterColumnDefault {
                table: t.clone(),
                column: c.clone(),
                from: None,
                to: desired_default,
            });
        }
    } else if default_changes {
        out.push(Change::AlterColumnDefault {
            table: t.clone(),
            column: c.clone(),
            from: live_default,
            to: desired_default,
        });
    }
    if d.identity.is_some() && d.identity != l.identity {
        out.push(Change::AlterColumnIdentity {
            table: t.clone(),
            column: c.clone(),
            from: l.identity,
            to: d.identity,
        });
    }
    if !same_comment(&d.comment, &l.comment) {
        out.push(Change::SetColumnComment {
            table: t,
            column: c,
            from: l.comment.clone(),
            to: d.comment.clone(),
        });
    }
    out
}

/// Whether converting `from` to `to` needs an explicit cast (no assignment
/// cast between them): the types are of different families.
pub fn needs_cast(from: &ColumnType, to: &ColumnType) -> bool {
    fn family(t: &ColumnType) -> String {
        match t {
            t if t.is_numeric() => "number".into(),
            t if t.is_string() => "string".into(),
            ColumnType::Timestamp | ColumnType::TimestampTz | ColumnType::Date => "time".into(),
            ColumnType::Json | ColumnType::Jsonb => "json".into(),
            ColumnType::Array { element } => format!("{}[]", family(element)),
            ColumnType::Enum { name } => format!("enum {name}"),
            other => format!("{other}"),
        }
    }
    family(from) != family(to)
}

#[cfg(test)]
mod tests;
