//! The diff: a pure function from the desired schema (the models) and the live
//! one (introspection) to the ordered list of [`Change`]s between them.
//!
//! The order is the one PostgreSQL needs:
//! 0. PostgreSQL schemas the models put tables in;
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
//! 9. enum types dropped (after the columns that used them), then schemas.

mod change;
mod compare;
mod enums;
mod order;
mod rename;

use std::collections::BTreeSet;

pub use change::{Change, EnumColumn, EnumValuePosition};
pub use rename::rename_identifier;

use crate::model::{expression, naming, Column, ColumnType, Schema, Table, TableName};

use compare::*;

/// The changes that turn `live` into `desired`, in an order the database accepts.
pub fn diff(desired: &Schema, live: &Schema) -> Vec<Change> {
    diff_settled(desired, live, &Schema::default())
}

/// The live schema as it will be once the renames the models ask for ran
/// (what the rest of the diff compares the models with).
pub fn renamed_live(desired: &Schema, live: &Schema) -> Schema {
    rename::apply_renames(desired, live).1
}

/// [`diff`], where `settled` holds the desired tables as PostgreSQL stores
/// them (same names, expressions as the server prints them; see
/// `autogenerate`): an expression spelled differently from the live one is
/// the same when the server prints it the same.
pub fn diff_settled(desired: &Schema, live: &Schema, settled: &Schema) -> Vec<Change> {
    let desired_namespaces = desired.namespaces_used();
    let live_namespaces = live.namespaces_used();
    let mut changes: Vec<Change> = desired_namespaces
        .iter()
        .filter(|n| !live_namespaces.contains(n))
        .map(|schema| Change::CreateSchema {
            schema: schema.clone(),
        })
        .collect();
    let (renames, live) = rename::apply_renames(desired, live);
    changes.extend(renames);

    let kept: Vec<Pair> = desired
        .tables
        .iter()
        .filter_map(|d| {
            let name = d.qualified_name();
            let l = live.table_named(&name)?;
            Some(Pair {
                settled: Settled {
                    table: settled.table_named(&name),
                },
                recreated: recreated_columns(
                    d,
                    l,
                    Settled {
                        table: settled.table_named(&name),
                    },
                ),
                name,
                d,
                l,
            })
        })
        .collect();
    let kept_names: BTreeSet<TableName> = kept.iter().map(|p| p.name.clone()).collect();
    let created: Vec<&Table> = desired
        .tables
        .iter()
        .filter(|t| live.table_named(&t.qualified_name()).is_none())
        .collect();
    let dropped: Vec<&Table> = live
        .tables
        .iter()
        .filter(|t| desired.table_named(&t.qualified_name()).is_none())
        .collect();

    // 2. What goes away or changes, dropped before what it depends on.
    for pair in &kept {
        changes.extend(dropped_constraints(pair));
    }
    for pair in &kept {
        changes.extend(renamed_constraints(pair));
    }

    // 3. Tables, then columns, that go away.
    changes.extend(order::drop_plan(&dropped, &kept_names));
    let mut dropped_columns: BTreeSet<(TableName, String)> = BTreeSet::new();
    for Pair { name, d, l, .. } in &kept {
        for column in l.columns.iter().filter(|c| d.column(&c.name).is_none()) {
            dropped_columns.insert((name.clone(), column.name.clone()));
            changes.push(Change::DropColumn {
                table: name.clone(),
                column: column.clone(),
            });
        }
    }

    // 4. Enum types, before the columns that use them.
    let gone = |table: &TableName, column: &str| {
        !kept_names.contains(table)
            || dropped_columns.contains(&(table.clone(), column.to_string()))
    };
    for e in &desired.enums {
        match live.enum_type(&e.name) {
            None => changes.push(Change::CreateEnum(plain_enum(e))),
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
    for pair in &kept {
        let Pair { name, d, l, .. } = pair;
        for column in &d.columns {
            match l.column(&column.name) {
                None => {
                    let mut column = column.clone();
                    column.renamed_from.clear();
                    changes.push(Change::AddColumn {
                        table: name.clone(),
                        column,
                    });
                }
                Some(live_column) => changes.extend(column_changes(pair, column, live_column)),
            }
        }
        if !same_comment(&d.comment, &l.comment) {
            changes.push(Change::SetTableComment {
                table: name.clone(),
                from: l.comment.clone(),
                to: d.comment.clone(),
            });
        }
    }

    // 7. Keys, indexes and checks added.
    for pair in &kept {
        changes.extend(added_constraints(pair));
    }

    // 8. Foreign keys added.
    for pair in &kept {
        for fk in &pair.d.foreign_keys {
            let exists = pair
                .l
                .foreign_keys
                .iter()
                .any(|x| same_foreign_key(fk, x) && !pair.touches(&x.columns));
            if !exists {
                changes.push(Change::AddForeignKey {
                    table: pair.name.clone(),
                    foreign_key: fk.clone(),
                });
            }
        }
    }
    changes.extend(deferred_foreign_keys);

    // 9. Enum types no model uses any more, then schemas no table is in.
    for e in &live.enums {
        if desired.enum_type(&e.name).is_none() {
            changes.push(Change::DropEnum(e.clone()));
        }
    }
    for schema in live_namespaces
        .iter()
        .filter(|n| !desired_namespaces.contains(n))
    {
        changes.push(Change::DropSchema {
            schema: schema.clone(),
        });
    }
    changes
}

/// A table on both sides.
struct Pair<'a> {
    name: TableName,
    d: &'a Table,
    l: &'a Table,
    settled: Settled<'a>,
    /// Columns dropped and added again (their generation changes): whatever
    /// uses them goes with them and comes back after.
    recreated: BTreeSet<String>,
}

impl Pair<'_> {
    fn touches(&self, columns: &[String]) -> bool {
        columns.iter().any(|c| self.recreated.contains(c))
    }

    fn touches_expression(&self, expr: &str) -> bool {
        self.recreated.iter().any(|c| expression::mentions(expr, c))
    }

    fn touches_index(&self, index: &crate::model::Index) -> bool {
        self.touches(&index.include)
            || index
                .predicate
                .as_deref()
                .is_some_and(|p| self.touches_expression(p))
            || index.keys.iter().any(|k| match &k.target {
                crate::model::KeyTarget::Column(c) => self.recreated.contains(c),
                crate::model::KeyTarget::Expression(e) => self.touches_expression(e),
            })
    }
}

/// The columns whose generation changes. PostgreSQL makes most such changes
/// by dropping and adding the column (only "no longer generated" has an
/// ALTER, and its inverse does not), so what uses them is dropped before and
/// added back after, in both directions.
fn recreated_columns(d: &Table, l: &Table, settled: Settled) -> BTreeSet<String> {
    d.columns
        .iter()
        .filter(|dc| {
            l.column(&dc.name)
                .is_some_and(|lc| !same_generated(dc, settled, lc))
        })
        .map(|c| c.name.clone())
        .collect()
}

/// The enum as the database holds it: without the model's rename notes.
fn plain_enum(e: &crate::model::EnumType) -> crate::model::EnumType {
    let mut e = e.clone();
    e.renamed_labels.clear();
    e
}

/// Constraints and indexes of a kept table that no longer match any desired
/// one (by name or, for a rename, by definition).
fn dropped_constraints(pair: &Pair) -> Vec<Change> {
    let Pair { d, l, settled, .. } = pair;
    let table = || pair.name.clone();
    let mut out = Vec::new();
    for fk in &l.foreign_keys {
        if pair.touches(&fk.columns) || !d.foreign_keys.iter().any(|x| same_foreign_key(x, fk)) {
            out.push(Change::DropForeignKey {
                table: table(),
                foreign_key: fk.clone(),
            });
        }
    }
    for check in &l.checks {
        if pair.touches_expression(&check.expression)
            || !d.checks.iter().any(|x| same_check(x, *settled, check))
        {
            out.push(Change::DropCheck {
                table: table(),
                check: check.clone(),
            });
        }
    }
    for index in &l.indexes {
        if pair.touches_index(index) || !d.indexes.iter().any(|x| same_index(x, *settled, index)) {
            out.push(Change::DropIndex {
                table: table(),
                index: index.clone(),
            });
        }
    }
    for unique in &l.uniques {
        if pair.touches(&unique.columns) || !d.uniques.iter().any(|x| same_unique(x, unique)) {
            out.push(Change::DropUnique {
                table: table(),
                unique: unique.clone(),
            });
        }
    }
    if let Some(pk) = &l.primary_key {
        if pair.touches(&pk.columns)
            || !d
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
fn renamed_constraints(pair: &Pair) -> Vec<Change> {
    let Pair { d, l, settled, .. } = pair;
    let table = || pair.name.clone();
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
        if same_primary_key(dp, lp) && !pair.touches(&lp.columns) {
            constraint(&lp.name, &dp.name);
        }
    }
    for fk in l
        .foreign_keys
        .iter()
        .filter(|fk| !pair.touches(&fk.columns))
    {
        if let Some(x) = d.foreign_keys.iter().find(|x| same_foreign_key(x, fk)) {
            constraint(&fk.name, &x.name);
        }
    }
    for u in l.uniques.iter().filter(|u| !pair.touches(&u.columns)) {
        if let Some(x) = d.uniques.iter().find(|x| same_unique(x, u)) {
            constraint(&u.name, &x.name);
        }
    }
    for c in l
        .checks
        .iter()
        .filter(|c| !pair.touches_expression(&c.expression))
    {
        if let Some(x) = d.checks.iter().find(|x| same_check(x, *settled, c)) {
            constraint(&c.name, &x.name);
        }
    }
    for i in l.indexes.iter().filter(|i| !pair.touches_index(i)) {
        if let Some(x) = d.indexes.iter().find(|x| same_index(x, *settled, i)) {
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

fn added_constraints(pair: &Pair) -> Vec<Change> {
    let Pair { d, l, settled, .. } = pair;
    let table = || pair.name.clone();
    let mut out = Vec::new();
    if let Some(pk) = &d.primary_key {
        if pair.touches(&pk.columns)
            || !l
                .primary_key
                .as_ref()
                .is_some_and(|x| same_primary_key(pk, x))
        {
            out.push(Change::AddPrimaryKey {
                table: table(),
                primary_key: pk.clone(),
            });
        }
    }
    for unique in &d.uniques {
        if pair.touches(&unique.columns) || !l.uniques.iter().any(|x| same_unique(unique, x)) {
            out.push(Change::AddUnique {
                table: table(),
                unique: unique.clone(),
            });
        }
    }
    for index in &d.indexes {
        if pair.touches_index(index) || !l.indexes.iter().any(|x| same_index(index, *settled, x)) {
            out.push(Change::CreateIndex {
                table: table(),
                index: index.clone(),
            });
        }
    }
    for check in &d.checks {
        if pair.touches_expression(&check.expression)
            || !l.checks.iter().any(|x| same_check(check, *settled, x))
        {
            out.push(Change::AddCheck {
                table: table(),
                check: check.clone(),
            });
        }
    }
    out
}

/// The changes of one column that exists on both sides.
fn column_changes(pair: &Pair, d: &Column, l: &Column) -> Vec<Change> {
    let (t, c) = (pair.name.clone(), d.name.clone());
    let mut out = Vec::new();
    if pair.recreated.contains(&d.name) {
        out.push(Change::AlterColumnGeneration {
            table: t.clone(),
            from: Box::new(l.clone()),
            to: Box::new(plain_column(d)),
        });
        // A column that becomes generated is added whole: nothing else to change.
        if d.generated.is_some() {
            return out;
        }
    }
    // A numbered column's default is its sequence's, not one of its own.
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
    let default_changes = match (&desired_default, &live_default) {
        (None, None) => false,
        (Some(_), Some(_)) => !same_default(d, pair.settled, l),
        _ => true,
    };
    let type_changes = d.column_type != l.column_type || d.collation != l.collation;
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
    // Numbering switched off or changed in kind goes first (a serial's default
    // and sequence, an identity), so the type change and a new default apply
    // to a plain column.
    let renumbered = match (l.identity, d.identity) {
        (Some(a), Some(b)) => a.is_sql_identity() != b.is_sql_identity(),
        (Some(_), None) => true,
        _ => false,
    };
    if renumbered {
        out.push(Change::DropIdentity {
            table: t.clone(),
            column: l.clone(),
        });
    }
    if type_changes {
        out.push(Change::AlterColumnType {
            table: t.clone(),
            column: c.clone(),
            from: l.column_type.clone(),
            to: d.column_type.clone(),
            from_collation: l.collation.clone(),
            to_collation: d.collation.clone(),
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
    match (l.identity, d.identity) {
        (Some(_), Some(_)) if renumbered => out.push(Change::AddIdentity {
            table: t.clone(),
            column: plain_column(d),
        }),
        (None, Some(_)) => out.push(Change::AddIdentity {
            table: t.clone(),
            column: plain_column(d),
        }),
        (Some(from), Some(to)) => {
            if from != to {
                out.push(Change::AlterColumnIdentity {
                    table: t.clone(),
                    column: c.clone(),
                    from,
                    to,
                });
            }
            let options = |s: &Option<crate::model::Sequence>| {
                crate::model::Sequence::canonical(s.as_ref(), &d.column_type)
            };
            if to.is_sql_identity() && options(&d.sequence) != options(&l.sequence) {
                out.push(Change::AlterColumnSequence {
                    table: t.clone(),
                    column: c.clone(),
                    column_type: d.column_type.clone(),
                    from: options(&l.sequence),
                    to: options(&d.sequence),
                });
            }
            let live_name = l.sequence.as_ref().and_then(|s| s.name.clone());
            let desired_name = d
                .sequence
                .as_ref()
                .and_then(|s| s.name.clone())
                .unwrap_or_else(|| naming::sequence(&t.name, &c));
            if let Some(live_name) = live_name.filter(|n| *n != desired_name) {
                out.push(Change::RenameSequence {
                    table: t.clone(),
                    from: live_name,
                    to: desired_name,
                });
            }
        }
        _ => {}
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

/// The column as a change carries it: without the model's rename notes.
fn plain_column(column: &Column) -> Column {
    let mut column = column.clone();
    column.renamed_from.clear();
    column
}

/// Whether converting `from` to `to` needs an explicit cast (no assignment
/// cast between them): the types are of different families.
pub fn needs_cast(from: &ColumnType, to: &ColumnType) -> bool {
    fn family(t: &ColumnType) -> String {
        match t {
            t if t.is_numeric() => "number".into(),
            t if t.is_string() => "string".into(),
            ColumnType::Timestamp { .. } | ColumnType::TimestampTz { .. } | ColumnType::Date => {
                "time".into()
            }
            ColumnType::Time { .. } | ColumnType::TimeTz { .. } => "time of day".into(),
            ColumnType::Interval { .. } => "interval".into(),
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
