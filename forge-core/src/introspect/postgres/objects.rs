//! The rows of the objects Forge does not manage to the model: pure, like
//! the parser. A sequence that numbers a serial or identity column belongs
//! to its column (it is part of the model), and what `[autogenerate]
//! exclude` names is left out, with whatever belongs to it.

use std::collections::{BTreeMap, BTreeSet};

use super::query::ObjectRow;
use crate::introspect::IntrospectOptions;
use crate::model::{ObjectKind, ObjectRef, Table, TableName, UnmanagedObject};

/// The unmanaged objects of `rows`, read with `schema_name` as the default
/// schema, next to the managed `tables` (already filtered by `options`).
pub fn parse_objects(
    rows: Vec<ObjectRow>,
    schema_name: &str,
    tables: &[Table],
    options: &IntrospectOptions,
) -> Vec<UnmanagedObject> {
    let here = |schema: &str| (schema != schema_name).then(|| schema.to_string());
    // Sequences a column owns as its serial or identity.
    let numbering: BTreeSet<(Option<String>, String)> = tables
        .iter()
        .flat_map(|t| {
            t.columns.iter().filter_map(|c| {
                let name = c.sequence.as_ref()?.name.clone()?;
                Some((t.schema.clone(), name))
            })
        })
        .collect();
    let parsed: Vec<(String, Vec<String>, UnmanagedObject)> = rows
        .into_iter()
        .filter_map(|row| {
            let kind = ObjectKind::parse(&row.kind)?;
            let object = UnmanagedObject {
                kind,
                schema: here(&row.schema),
                name: row.name,
                table: row.table.map(|t| {
                    let schema = row.table_schema.as_deref().unwrap_or(schema_name);
                    TableName::new(here(schema).as_deref(), t)
                }),
                definition: row.definition,
                requires: Vec::new(),
            };
            Some((row.key, row.requires, object))
        })
        .filter(|(_, _, o)| {
            !(o.kind == ObjectKind::Sequence
                && numbering.contains(&(o.schema.clone(), o.name.clone())))
        })
        .collect();

    // What is left out: excluded by a pattern, or belonging to or needing
    // something left out (a table, a partition, a view, a function), or
    // belonging to Forge's own tables. Until nothing changes: an index of a
    // partition of an excluded table goes in the second round.
    let exclude = &options.exclude;
    let ignored = |t: &TableName| t.schema.is_none() && options.is_ignored(&t.name);
    let mut gone_tables: BTreeSet<TableName> = BTreeSet::new();
    let mut gone_keys: BTreeSet<&str> = BTreeSet::new();
    let mut kept: Vec<bool> = vec![true; parsed.len()];
    loop {
        let mut changed = false;
        for (i, (key, requires, o)) in parsed.iter().enumerate() {
            if !kept[i] {
                continue;
            }
            let left_out = |t: &TableName| {
                ignored(t) || gone_tables.contains(t) || exclude.excludes_table(t, schema_name)
            };
            let by_pattern = exclude
                .matching(o.kind, o.schema.as_deref(), &o.name, schema_name)
                .is_some();
            let by_owner = o.table.as_ref().is_some_and(left_out);
            let by_need = requires_tables(requires, &here).any(|t| left_out(&t))
                || requires.iter().any(|r| gone_keys.contains(r.as_str()));
            if by_pattern || by_owner || by_need {
                kept[i] = false;
                changed = true;
                gone_keys.insert(key.as_str());
                if matches!(
                    o.kind,
                    ObjectKind::Partition
                        | ObjectKind::View
                        | ObjectKind::MaterializedView
                        | ObjectKind::ForeignTable
                ) {
                    gone_tables.insert(TableName::new(o.schema.as_deref(), &o.name));
                }
            }
        }
        if !changed {
            break;
        }
    }

    let references: BTreeMap<&str, ObjectRef> = parsed
        .iter()
        .zip(&kept)
        .filter(|(_, kept)| **kept)
        .map(|((key, _, o), _)| (key.as_str(), o.reference()))
        .collect();
    parsed
        .iter()
        .zip(&kept)
        .filter(|(_, kept)| **kept)
        .map(|((key, requires, o), _)| {
            let mut o = o.clone();
            let mut required: Vec<ObjectRef> = requires
                .iter()
                .filter(|r| *r != key)
                .filter_map(|r| references.get(r.as_str()).cloned())
                .chain(requires_tables(requires, &here).map(|t| ObjectRef {
                    kind: ObjectKind::Table,
                    schema: t.schema,
                    name: t.name,
                    table: None,
                }))
                .collect();
            required.sort();
            required.dedup();
            o.requires = required;
            o
        })
        .collect()
}

/// The tables among the keys an object requires (`table␟schema␟name`).
fn requires_tables<'a>(
    requires: &'a [String],
    here: &'a dyn Fn(&str) -> Option<String>,
) -> impl Iterator<Item = TableName> + 'a {
    requires.iter().filter_map(move |key| {
        let mut parts = key.split('\u{1f}');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("table"), Some(schema), Some(name)) => {
                Some(TableName::new(here(schema).as_deref(), name))
            }
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::introspect::Exclusions;
    use crate::model::{Column, ColumnType, Identity, Sequence};

    fn row(kind: &str, schema: &str, name: &str, key: &str, requires: &[&str]) -> ObjectRow {
        ObjectRow {
            kind: kind.into(),
            schema: schema.into(),
            name: name.into(),
            key: key.into(),
            requires: requires.iter().map(|r| r.to_string()).collect(),
            definition: Some(format!("-- {name}")),
            ..ObjectRow::default()
        }
    }

    fn on(mut row: ObjectRow, schema: &str, table: &str) -> ObjectRow {
        row.table_schema = Some(schema.into());
        row.table = Some(table.into());
        row
    }

    fn names(objects: &[UnmanagedObject]) -> Vec<String> {
        objects.iter().map(|o| o.to_string()).collect()
    }

    #[test]
    fn requirements_resolve_to_the_objects_read_and_the_rest_is_dropped() {
        let rows = vec![
            row(
                "view",
                "public",
                "top",
                "1259:3",
                &["1259:2", "1259:99", "2615:2200"],
            ),
            row("view", "public", "bottom", "1259:2", &["1259:1"]),
            on(
                row(
                    "trigger",
                    "public",
                    "touch",
                    "2620:5",
                    &["1255:4", "1259:1"],
                ),
                "public",
                "users",
            ),
            row("function", "public", "touch()", "1255:4", &[]),
            row("sequence", "billing", "orders_id_seq", "1259:6", &[]),
            row("sequence", "public", "tickets", "1259:7", &[]),
            row("procedure", "public", "unknown_kind()", "1255:8", &[]),
            row("no_such_kind", "public", "x", "0:0", &[]),
        ];
        let mut orders = Table::new("orders");
        orders.schema = Some("billing".into());
        orders.columns.push(Column {
            identity: Some(Identity::Serial),
            sequence: Some(Sequence {
                name: Some("orders_id_seq".into()),
                ..Sequence::default()
            }),
            ..Column::new("id", ColumnType::Integer, false)
        });
        let objects = parse_objects(rows, "public", &[orders], &IntrospectOptions::default());
        assert_eq!(
            names(&objects),
            [
                "view top",
                "view bottom",
                "trigger touch on users",
                "function touch()",
                "sequence tickets",
                "procedure unknown_kind()",
            ],
            "a serial's sequence is its column's; an unknown kind is skipped"
        );
        let top = &objects[0];
        assert_eq!(names_of(&top.requires), ["view bottom"]);
        assert_eq!(names_of(&objects[2].requires), ["function touch()"]);
    }

    fn names_of(refs: &[ObjectRef]) -> Vec<String> {
        refs.iter().map(|r| r.to_string()).collect()
    }

    #[test]
    fn exclusions_reach_what_belongs_to_an_excluded_table_or_partition() {
        let rows = vec![
            on(
                row("partition", "public", "events_2024", "1259:1", &[]),
                "public",
                "events",
            ),
            on(
                row("index", "public", "ix_events_2024", "1259:2", &[]),
                "public",
                "events_2024",
            ),
            on(
                row("trigger", "public", "audit", "2620:3", &[]),
                "public",
                "legacy_users",
            ),
            on(
                row("trigger", "public", "touch", "2620:4", &[]),
                "public",
                "users",
            ),
            row("view", "public", "active_users", "1259:5", &[]),
            on(
                row("policy", "public", "own_rows", "3256:6", &[]),
                "public",
                "forge_version",
            ),
        ];
        let options = IntrospectOptions::default()
            .excluding(Exclusions::parse(&["table:events", "legacy_*", "view:*"]).unwrap());
        let objects = parse_objects(rows, "public", &[], &options);
        assert_eq!(names(&objects), ["trigger touch on users"]);
    }

    #[test]
    fn what_needs_an_excluded_object_is_left_out_with_it() {
        let rows = vec![
            row("function", "public", "audit()", "1255:1", &[]),
            on(
                row("trigger", "public", "audit", "2620:2", &["1255:1"]),
                "public",
                "users",
            ),
            row(
                "view",
                "public",
                "legacy_names",
                "1259:3",
                &["table\u{1f}public\u{1f}legacy_users"],
            ),
            row("view", "public", "names", "1259:4", &["1259:3"]),
            row(
                "view",
                "public",
                "kept",
                "1259:5",
                &["table\u{1f}public\u{1f}users"],
            ),
        ];
        let options = IntrospectOptions::default()
            .excluding(Exclusions::parse(&["function:*", "legacy_*"]).unwrap());
        let objects = parse_objects(rows, "public", &[], &options);
        assert_eq!(names(&objects), ["view kept"]);
    }
}
