//! Enum types: created, dropped, a value added or renamed, or the type
//! rebuilt when labels go away or move.

use crate::diff::{EnumColumn, EnumValuePosition};

use super::super::Statement;
use super::column::alter;
use super::sql::{ident, literal};

fn labels(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| literal(l))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn create(name: &str, values: &[String]) -> Statement {
    Statement::new(format!(
        "CREATE TYPE {} AS ENUM ({});",
        ident(name),
        labels(values)
    ))
}

pub fn add_value(name: &str, value: &str, position: &EnumValuePosition) -> Statement {
    let place = match position {
        EnumValuePosition::End => String::new(),
        EnumValuePosition::Before(l) => format!(" BEFORE {}", literal(l)),
        EnumValuePosition::After(l) => format!(" AFTER {}", literal(l)),
    };
    Statement::new(format!(
        "ALTER TYPE {} ADD VALUE {}{place};",
        ident(name),
        literal(value)
    ))
}

pub fn rename_value(name: &str, from: &str, to: &str) -> Statement {
    Statement::new(format!(
        "ALTER TYPE {} RENAME VALUE {} TO {};",
        ident(name),
        literal(from),
        literal(to)
    ))
}

/// Rebuilds an enum type: the old one is renamed away, the new one created,
/// every column cast to it through text (defaults set aside meanwhile).
pub fn recreate(
    name: &str,
    from: &[String],
    to: &[String],
    columns: &[EnumColumn],
) -> Vec<Statement> {
    let old = format!("{name}__forge_old");
    let removed: Vec<&String> = from.iter().filter(|l| !to.contains(l)).collect();
    let why = if removed.is_empty() {
        format!(
            "rebuilds enum type {name} as ({}), rewriting the tables that use it",
            to.join(", ")
        )
    } else {
        format!(
            "rebuilds enum type {name} without {}: rows holding {} make this fail; update them first",
            removed.iter().map(|l| literal(l)).collect::<Vec<_>>().join(", "),
            if removed.len() == 1 { "that label" } else { "those labels" }
        )
    };
    let mut out = vec![
        Statement::new(format!(
            "ALTER TYPE {} RENAME TO {};",
            ident(name),
            ident(&old)
        ))
        .warn(why),
        create(name, to),
    ];
    for c in columns {
        if c.default.is_some() {
            out.push(Statement::new(alter(&c.table, &c.column, "DROP DEFAULT")));
        }
        let (text, target) = if c.array {
            ("text[]", format!("{}[]", ident(name)))
        } else {
            ("text", ident(name))
        };
        out.push(Statement::new(alter(
            &c.table,
            &c.column,
            &format!("TYPE {target} USING {}::{text}::{target}", ident(&c.column)),
        )));
        if let Some(default) = &c.default {
            // Read before the rename, the default names the type by its name,
            // which is the new type's now.
            out.push(Statement::new(alter(
                &c.table,
                &c.column,
                &format!("SET DEFAULT {default}"),
            )));
        }
    }
    out.push(Statement::new(format!("DROP TYPE {};", ident(&old))));
    out
}
