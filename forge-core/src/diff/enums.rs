//! Enum types: labels only ever appended or inserted become `ADD VALUE`s;
//! anything else (a label removed or moved) rebuilds the type. Label renames
//! the models ask for ran before (see `rename`).

use crate::model::{EnumType, Schema, TableName};

use super::change::{Change, EnumColumn, EnumValuePosition};

/// The changes that turn the live enum `live` into `desired`. `columns` are the
/// columns using the type at that point of the migration.
pub(crate) fn enum_changes(
    desired: &EnumType,
    live: &EnumType,
    columns: Vec<EnumColumn>,
) -> Vec<Change> {
    label_changes(desired, live, columns)
}

fn label_changes(desired: &EnumType, live: &EnumType, columns: Vec<EnumColumn>) -> Vec<Change> {
    if desired.labels == live.labels {
        return Vec::new();
    }
    let only_additions = {
        // The live labels must appear in the desired ones, in the same order.
        let kept: Vec<&String> = desired
            .labels
            .iter()
            .filter(|l| live.labels.contains(l))
            .collect();
        kept.len() == live.labels.len() && kept.iter().zip(&live.labels).all(|(a, b)| *a == b)
    };
    if !only_additions {
        return vec![Change::RecreateEnum {
            name: desired.name.clone(),
            from: live.labels.clone(),
            to: desired.labels.clone(),
            columns,
        }];
    }
    let mut current = live.labels.clone();
    let mut changes = Vec::new();
    for (i, label) in desired.labels.iter().enumerate() {
        if current.contains(label) {
            continue;
        }
        let previous = desired.labels[..i]
            .iter()
            .rev()
            .find(|l| current.contains(l));
        let position = match previous {
            Some(p) if current.last() == Some(p) => EnumValuePosition::End,
            Some(p) => EnumValuePosition::After(p.clone()),
            None => match current.first() {
                Some(first) => EnumValuePosition::Before(first.clone()),
                None => EnumValuePosition::End,
            },
        };
        let labels_before = current.clone();
        current = super::change::labels_after(&current, label, &position);
        changes.push(Change::AddEnumValue {
            name: desired.name.clone(),
            value: label.clone(),
            position,
            labels_before,
            columns: columns.clone(),
        });
    }
    changes
}

/// The columns of `schema` whose type is `name` or an array of it, skipping
/// those `gone` says are dropped before the enum changes.
pub(crate) fn columns_using(
    schema: &Schema,
    name: &str,
    gone: impl Fn(&TableName, &str) -> bool,
) -> Vec<EnumColumn> {
    let mut out = Vec::new();
    for table in &schema.tables {
        let table_name = table.qualified_name();
        for column in &table.columns {
            if column.column_type.enum_name() == Some(name) && !gone(&table_name, &column.name) {
                out.push(EnumColumn {
                    table: table_name.clone(),
                    column: column.name.clone(),
                    array: matches!(column.column_type, crate::model::ColumnType::Array { .. }),
                    default: column.default.clone(),
                });
            }
        }
    }
    out
}
