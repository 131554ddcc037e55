//! `entities list`: what the registry discovered — the first thing to check
//! when a table "is not detected".

use std::process::ExitCode;

use forge_core::model::{Column, Table};
use forge_core::registry;
use serde::Serialize;

use crate::cli::EntitiesCommand;
use crate::failure::CommandResult;
use crate::output::Output;

#[derive(Serialize)]
struct EntityListing {
    table: String,
    rust_path: String,
    source_file: String,
    columns: Vec<ColumnListing>,
}

#[derive(Serialize)]
struct ColumnListing {
    name: String,
    sql_type: String,
    nullable: bool,
    /// What else the model says about the column: PK, default, unique, index, FK target.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
}

/// PK, default, unique, index and FK target of one column, for the listing.
fn column_notes(table: &Table, column: &Column) -> Vec<String> {
    let name = column.name.as_str();
    let only = |columns: &[String]| columns.len() == 1 && columns[0] == name;
    let mut notes = Vec::new();
    if table
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.iter().any(|c| c == name))
    {
        notes.push("primary key".to_string());
    }
    if let Some(default) = &column.default {
        notes.push(format!("default {default}"));
    }
    if table.uniques.iter().any(|u| only(&u.columns)) {
        notes.push("unique".to_string());
    }
    if table
        .indexes
        .iter()
        .any(|i| matches!(i.keys.as_slice(), [key] if key.column_name() == Some(name)))
    {
        notes.push("index".to_string());
    }
    for fk in table.foreign_keys.iter().filter(|fk| only(&fk.columns)) {
        notes.push(format!(
            "-> {}({})",
            fk.referenced_table,
            fk.referenced_columns.join(", ")
        ));
    }
    notes
}

pub fn exec(command: EntitiesCommand, out: &mut Output<'_>) -> CommandResult<Option<ExitCode>> {
    let EntitiesCommand::List { json } = command;
    // Build the whole schema first: a duplicate table or a dangling reference
    // is reported here rather than listed as if it were fine.
    let schema = registry::schema()?;
    let listings: Vec<EntityListing> = registry::entities()
        .into_iter()
        .map(|entity| {
            let table = schema
                .table(&entity.definition.table)
                .expect("the schema holds every registered table");
            EntityListing {
                table: table.name.clone(),
                rust_path: entity.rust_path(),
                source_file: entity.source_file.to_string(),
                columns: table
                    .columns
                    .iter()
                    .map(|c| ColumnListing {
                        name: c.name.clone(),
                        sql_type: c.column_type.to_string(),
                        nullable: c.nullable,
                        notes: column_notes(table, c),
                    })
                    .collect(),
            }
        })
        .collect();
    if json {
        #[derive(Serialize)]
        struct Entities<'l> {
            entities: &'l [EntityListing],
        }
        out.json(&Entities {
            entities: &listings,
        })?;
        return Ok(None);
    }
    for (i, entity) in listings.iter().enumerate() {
        if i > 0 {
            out.line("")?;
        }
        out.line(format!(
            "{}  ({}, {})",
            entity.table, entity.rust_path, entity.source_file
        ))?;
        let rows: Vec<Vec<String>> = entity
            .columns
            .iter()
            .map(|c| {
                vec![
                    format!("  {}", c.name),
                    c.sql_type.clone(),
                    if c.nullable { "NULL" } else { "NOT NULL" }.to_string(),
                    c.notes.join(", "),
                ]
            })
            .collect();
        out.rows(&rows)?;
    }
    out.line(format!("{} entities", listings.len()))?;
    Ok(None)
}
