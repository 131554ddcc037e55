//! `entities list`: what the registry discovered — the first thing to check
//! when a table "is not detected".

use std::process::ExitCode;

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
}

pub fn exec(command: EntitiesCommand, out: &mut Output<'_>) -> CommandResult<Option<ExitCode>> {
    let EntitiesCommand::List { json } = command;
    // Build the whole schema first: a duplicate table or a dangling reference
    // is reported here rather than listed as if it were fine.
    let schema = registry::schema()?;
    let listings: Vec<EntityListing> = registry::entities()
        .into_iter()
        .map(|entity| {
            let table = schema.table(&entity.definition.table).expect("the schema holds every registered table");
            EntityListing {
                table: table.name.clone(),
                rust_path: entity.rust_path(),
                source_file: entity.source_file.to_string(),
                columns: table
                    .columns
                    .iter()
                    .map(|c| ColumnListing { name: c.name.clone(), sql_type: c.column_type.to_string(), nullable: c.nullable })
                    .collect(),
            }
        })
        .collect();
    if json {
        out.json(&listings)?;
        return Ok(None);
    }
    for (i, entity) in listings.iter().enumerate() {
        if i > 0 {
            out.line("")?;
        }
        out.line(format!("{}  ({}, {})", entity.table, entity.rust_path, entity.source_file))?;
        let rows: Vec<Vec<String>> = entity
            .columns
            .iter()
            .map(|c| vec![format!("  {}", c.name), c.sql_type.clone(), if c.nullable { "NULL" } else { "NOT NULL" }.to_string()])
            .collect();
        out.rows(&rows)?;
    }
    out.line(format!("{} entities", listings.len()))?;
    Ok(None)
}
