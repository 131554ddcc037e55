//! A script that recreates a whole database: the objects Forge does not
//! manage (as PostgreSQL printed them) around the managed schemas, enum
//! types and tables, each where PostgreSQL needs it — schemas, extensions,
//! enum types, then the types, sequences and functions tables may use, the
//! tables, and last what uses the tables (views, triggers, partitions...).

use std::collections::{BTreeMap, BTreeSet};

use crate::diff::Change;
use crate::model::{creation_order, ObjectKind, ObjectRef, Phase, Schema, UnmanagedObject};
use crate::render::render_sql;

use super::sql::ident;
use super::PostgreSql;

/// `changes` (what creates the managed part of `schema` in an empty
/// database) with `schema.unmanaged` around them.
pub fn script(schema: &Schema, changes: &[Change]) -> String {
    let (schemas, rest): (Vec<Change>, Vec<Change>) = changes
        .iter()
        .cloned()
        .partition(|c| matches!(c, Change::CreateSchema { .. }));
    let (enums, tables): (Vec<Change>, Vec<Change>) = rest
        .into_iter()
        .partition(|c| matches!(c, Change::CreateEnum(_)));
    let order = creation_order(&schema.unmanaged);
    let (extensions, before): (Vec<&UnmanagedObject>, Vec<&UnmanagedObject>) = order
        .iter()
        .filter(|(phase, _)| *phase == Phase::BeforeTables)
        .map(|(_, o)| *o)
        .partition(|o| o.kind == ObjectKind::Extension);
    let after: Vec<&UnmanagedObject> = order
        .iter()
        .filter(|(phase, _)| *phase == Phase::AfterTables)
        .map(|(_, o)| *o)
        .collect();

    let managed_schemas = schema.namespaces_used();
    let other_schemas: BTreeSet<&str> = schema
        .unmanaged
        .iter()
        .filter_map(|o| o.schema.as_deref())
        .filter(|s| !managed_schemas.iter().any(|m| m == s))
        .collect();
    // Old-style SQL function bodies are checked when created, against
    // tables that may come later; pg_dump turns the check off the same way.
    let functions = schema
        .unmanaged
        .iter()
        .any(|o| matches!(o.kind, ObjectKind::Function | ObjectKind::Procedure));

    let unread = outside_schemas_read(schema, &managed_schemas);
    let objects = |list: &[&UnmanagedObject]| objects(list, &unread);

    let mut blocks: Vec<String> = Vec::new();
    push(&mut blocks, render_sql(&PostgreSql, &schemas));
    push(
        &mut blocks,
        other_schemas
            .iter()
            .map(|s| format!("CREATE SCHEMA IF NOT EXISTS {};\n", ident(s)))
            .collect(),
    );
    if functions {
        push(
            &mut blocks,
            "SET check_function_bodies = false;\n".to_string(),
        );
    }
    push(&mut blocks, objects(&extensions));
    push(&mut blocks, render_sql(&PostgreSql, &enums));
    push(&mut blocks, objects(&before));
    push(&mut blocks, render_sql(&PostgreSql, &tables));
    push(&mut blocks, objects(&after));
    if functions {
        push(&mut blocks, "RESET check_function_bodies;\n".to_string());
    }
    blocks.join("\n")
}

fn push(blocks: &mut Vec<String>, block: String) {
    if !block.trim().is_empty() {
        blocks.push(block);
    }
}

/// The objects that need a table of a schema not read (so not created by
/// the script), directly or through another object, with that table.
fn outside_schemas_read(schema: &Schema, read: &[String]) -> BTreeMap<ObjectRef, ObjectRef> {
    let mut out: BTreeMap<ObjectRef, ObjectRef> = BTreeMap::new();
    loop {
        let mut changed = false;
        for o in &schema.unmanaged {
            let reference = o.reference();
            if out.contains_key(&reference) {
                continue;
            }
            let table = o.requires.iter().find_map(|r| {
                let unread = r.kind == ObjectKind::Table
                    && r.schema.as_ref().is_some_and(|s| !read.contains(s));
                if unread {
                    Some(r.clone())
                } else {
                    out.get(r).cloned()
                }
            });
            if let Some(table) = table {
                out.insert(reference, table);
                changed = true;
            }
        }
        if !changed {
            return out;
        }
    }
}

/// Each object's definition under a line that names it as unmanaged, a
/// blank line between objects; one Forge cannot write, or that needs a
/// table the script does not create, is a comment saying so.
fn objects(objects: &[&UnmanagedObject], unread: &BTreeMap<ObjectRef, ObjectRef>) -> String {
    objects
        .iter()
        .map(|o| match (&o.definition, unread.get(&o.reference())) {
            (_, Some(table)) => format!(
                "-- unmanaged {o}: not recreated, it needs {table}, of a schema Forge does not read (a model with `schema = \"{}\"` has it read)\n",
                table.schema.as_deref().unwrap_or_default()
            ),
            (Some(definition), None) => {
                let mut block = format!("-- unmanaged {o}\n{}", definition.trim_end());
                if !block.ends_with(';') {
                    block.push(';');
                }
                block.push('\n');
                block
            }
            (None, None) => format!(
                "-- unmanaged {o}: not recreated, Forge cannot write its definition ({}); create it by hand\n",
                why_not_written(o.kind)
            ),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn why_not_written(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::ForeignTable => "it needs its foreign server",
        ObjectKind::Aggregate => "PostgreSQL prints no definition of an aggregate",
        ObjectKind::BaseType => "a base type is written in C",
        _ => "its definition was not read",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff;
    use crate::model::{Column, ColumnType, EnumType, ObjectRef, Table};

    fn object(kind: ObjectKind, schema: Option<&str>, name: &str, sql: &str) -> UnmanagedObject {
        UnmanagedObject {
            kind,
            schema: schema.map(str::to_string),
            name: name.into(),
            table: None,
            definition: Some(sql.into()),
            requires: Vec::new(),
        }
    }

    #[test]
    fn what_needs_a_table_of_a_schema_not_read_is_a_note() {
        let mut report = object(
            ObjectKind::View,
            None,
            "report",
            "CREATE VIEW report AS SELECT 1;",
        );
        report.requires.push(ObjectRef {
            kind: ObjectKind::Table,
            schema: Some("audit".into()),
            name: "log".into(),
            table: None,
        });
        let mut summary = object(
            ObjectKind::View,
            None,
            "summary",
            "CREATE VIEW summary AS SELECT 1;",
        );
        summary.requires.push(report.reference());
        let schema = Schema {
            unmanaged: vec![report, summary],
            ..Schema::default()
        };
        let sql = script(&schema, &[]);
        assert!(!sql.contains("CREATE VIEW"), "{sql}");
        assert!(sql.contains("-- unmanaged view summary: not recreated, it needs table audit.log, of a schema Forge does not read (a model with `schema = \"audit\"` has it read)"), "{sql}");
    }

    #[test]
    fn the_script_creates_what_tables_use_before_them_and_what_uses_tables_after() {
        let mut users = Table::new("users");
        users.columns = vec![Column::new(
            "email",
            ColumnType::custom("email_address"),
            false,
        )];
        let mut view = object(
            ObjectKind::View,
            None,
            "emails",
            "CREATE VIEW emails AS\n SELECT users.email FROM users;",
        );
        view.requires.push(ObjectRef {
            kind: ObjectKind::Table,
            schema: None,
            name: "users".into(),
            table: None,
        });
        let schema = Schema {
            tables: vec![users],
            enums: vec![EnumType::new("mood", &["ok"])],
            namespaces: vec![],
            unmanaged: vec![
                object(
                    ObjectKind::Extension,
                    Some("extensions"),
                    "citext",
                    "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA extensions;",
                ),
                object(
                    ObjectKind::Domain,
                    None,
                    "email_address",
                    "CREATE DOMAIN email_address AS extensions.citext;",
                ),
                view,
                UnmanagedObject {
                    definition: None,
                    ..object(ObjectKind::Aggregate, None, "total(integer)", "")
                },
            ],
        };
        let sql = script(&schema, &diff(&schema, &Schema::default()));
        let at = |needle: &str| {
            sql.find(needle)
                .unwrap_or_else(|| panic!("missing `{needle}` in:\n{sql}"))
        };
        assert!(at("CREATE SCHEMA IF NOT EXISTS \"extensions\";") < at("CREATE EXTENSION"));
        assert!(at("CREATE EXTENSION") < at("CREATE TYPE \"mood\""));
        assert!(at("CREATE TYPE \"mood\"") < at("CREATE DOMAIN"));
        assert!(at("CREATE DOMAIN") < at("CREATE TABLE \"users\""));
        assert!(at("CREATE TABLE \"users\"") < at("-- unmanaged view emails\nCREATE VIEW"));
        assert!(sql.contains(
            "-- unmanaged aggregate total(integer): not recreated, Forge cannot write its definition (PostgreSQL prints no definition of an aggregate); create it by hand"
        ));
        assert!(!sql.contains("check_function_bodies"), "no function: {sql}");
    }
}
