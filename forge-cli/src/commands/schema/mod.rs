//! `schema dump` (the models' schema) and `schema inspect` (the live
//! database's, as introspection reads it, with what Forge does not manage
//! listed after the tables): both print a readable summary by default, or
//! `--json`, `--sql` (DDL that recreates it) or `--mermaid` (an ER diagram).

mod mermaid;
mod rust;

use std::process::ExitCode;

use forge_core::database;
use forge_core::introspect::{postgres, IntrospectOptions};
use forge_core::model::{ForeignKey, Identity, Index, ObjectKind, Schema, Table};
use forge_core::registry;

use crate::cli::{SchemaCommand, SchemaFormat};
use crate::config::Config;
use crate::failure::{CommandResult, Failure};
use crate::output::Output;

pub async fn exec(
    command: SchemaCommand,
    config: &Config,
    out: &mut Output<'_>,
) -> CommandResult<Option<ExitCode>> {
    match command {
        SchemaCommand::Dump(format) => {
            let schema = registry::schema()?;
            print(&schema, &format, "in the models", config, out)?;
        }
        SchemaCommand::Inspect(args) => {
            let schema = inspect(config).await?;
            let caption = format!("in schema {}", config.database.schema);
            print(&schema, &args.format, &caption, config, out)?;
        }
    }
    Ok(None)
}

/// The live schema, without Forge's own bookkeeping tables and what
/// `[autogenerate] exclude` leaves out. Shared with `migrate baseline`.
pub(crate) async fn inspect(config: &Config) -> Result<Schema, Failure> {
    let url = config.database_url()?;
    let schema_name = config.database.schema.as_str();
    let mut connection = database::connect(url, Some(schema_name)).await?;
    let read = postgres::introspect_with(&mut connection, schema_name, &options(config)).await;
    let _ = sqlx::Connection::close(connection).await;
    Ok(read?.schema)
}

/// What `inspect` reads: the configured schema and the other PostgreSQL
/// schemas the models put tables in, everything but Forge's own tables (the
/// configured version table, whatever its name) and what is excluded.
fn options(config: &Config) -> IntrospectOptions {
    let models_schemas = registry::schema()
        .map(|s| s.namespaces_used())
        .unwrap_or_default();
    forge_core::autogenerate::project_options(
        &config.migrations.version_table,
        &config.exclusions(),
    )
    .with_schemas(models_schemas)
}

fn print(
    schema: &Schema,
    format: &SchemaFormat,
    caption: &str,
    config: &Config,
    out: &mut Output<'_>,
) -> Result<(), Failure> {
    if format.json {
        out.json(schema)
    } else if format.sql {
        out.text(postgres_ddl(schema))
    } else if format.rust {
        out.text(rust::models(schema, &config.database.schema))
    } else if format.mermaid {
        out.text(mermaid::diagram(schema))
    } else {
        summary(schema, caption, out)
    }
}

/// The DDL that recreates `schema` in an empty database, ending with a newline.
pub(crate) fn postgres_ddl(schema: &Schema) -> String {
    let mut sql = forge_core::render::postgres::schema_ddl(schema);
    if !sql.is_empty() && !sql.ends_with('\n') {
        sql.push('\n');
    }
    sql
}

/// Tables with their columns and constraints, then the enum types: what
/// introspection saw, for a person to read.
fn summary(schema: &Schema, caption: &str, out: &mut Output<'_>) -> Result<(), Failure> {
    for (i, table) in schema.tables.iter().enumerate() {
        if i > 0 {
            out.line("")?;
        }
        match &table.comment {
            Some(comment) => out.line(format!("{}  -- {comment}", table.qualified_name()))?,
            None => out.line(table.qualified_name().to_string())?,
        }
        out.rows(&column_rows(table))?;
        for line in constraint_lines(table) {
            out.line(format!("  {line}"))?;
        }
    }
    if !schema.enums.is_empty() {
        if !schema.tables.is_empty() {
            out.line("")?;
        }
        for enum_type in &schema.enums {
            out.line(format!(
                "enum {} ({})",
                enum_type.name,
                enum_type.labels.join(", ")
            ))?;
        }
    }
    if !schema.unmanaged.is_empty() {
        if !schema.tables.is_empty() || !schema.enums.is_empty() {
            out.line("")?;
        }
        out.line("Not managed by Forge (autogenerate never changes them; --sql recreates them):")?;
        out.rows(&unmanaged_rows(schema))?;
    }
    let unmanaged = match schema.unmanaged.len() {
        0 => String::new(),
        1 => ", 1 object not managed by Forge".to_string(),
        n => format!(", {n} objects not managed by Forge"),
    };
    out.line(format!(
        "{} tables, {} enum types{unmanaged} {caption}",
        schema.tables.len(),
        schema.enums.len()
    ))
}

/// One row per unmanaged object: its kind, its name (with the table it
/// belongs to) and what it needs besides.
fn unmanaged_rows(schema: &Schema) -> Vec<Vec<String>> {
    schema
        .unmanaged
        .iter()
        .map(|o| {
            let mut name = o.qualified_name();
            if let Some(table) = &o.table {
                if o.kind == ObjectKind::Partition {
                    name.push_str(&format!(" of {table}"));
                } else if o.kind.belongs_to_table() && o.name != table.name {
                    name.push_str(&format!(" on {table}"));
                }
            }
            let mut notes: Vec<String> = Vec::new();
            let uses: Vec<String> = o
                .requires
                .iter()
                .filter(|r| {
                    // The table (or partition, or view) it belongs to is said already.
                    o.table
                        .as_ref()
                        .is_none_or(|t| !(r.name == t.name && r.schema == t.schema))
                })
                .map(|r| r.to_string())
                .collect();
            if !uses.is_empty() {
                notes.push(format!("uses {}", uses.join(", ")));
            }
            if o.definition.is_none() {
                notes.push("not recreated by --sql".to_string());
            }
            vec![format!("  {}", o.kind.words()), name, notes.join("; ")]
        })
        .collect()
}

fn column_rows(table: &Table) -> Vec<Vec<String>> {
    table
        .columns
        .iter()
        .map(|c| {
            let mut extra = Vec::new();
            if let Some(collation) = &c.collation {
                extra.push(format!("COLLATE {collation}"));
            }
            match c.identity {
                Some(Identity::Always) => extra.push("GENERATED ALWAYS AS IDENTITY".to_string()),
                Some(Identity::ByDefault) => {
                    extra.push("GENERATED BY DEFAULT AS IDENTITY".to_string())
                }
                Some(Identity::Serial) => extra.push("SERIAL".to_string()),
                None => {}
            }
            if let Some(sequence) = &c.sequence {
                let mut options = Vec::new();
                for (name, value) in [
                    ("START", sequence.start),
                    ("INCREMENT", sequence.increment),
                    ("MINVALUE", sequence.min_value),
                    ("MAXVALUE", sequence.max_value),
                    ("CACHE", sequence.cache),
                ] {
                    if let Some(value) = value {
                        options.push(format!("{name} {value}"));
                    }
                }
                if sequence.cycle {
                    options.push("CYCLE".to_string());
                }
                if !options.is_empty() {
                    extra.push(format!("({})", options.join(" ")));
                }
                if let Some(name) = &sequence.name {
                    extra.push(format!("sequence {name}"));
                }
            }
            if let Some(generated) = &c.generated {
                extra.push(format!("GENERATED ALWAYS AS ({generated}) STORED"));
            }
            if let Some(default) = &c.default {
                extra.push(format!("DEFAULT {default}"));
            }
            if let Some(comment) = &c.comment {
                extra.push(format!("-- {comment}"));
            }
            vec![
                format!("  {}", c.name),
                c.column_type.to_string(),
                if c.nullable { "NULL" } else { "NOT NULL" }.to_string(),
                extra.join(" "),
            ]
        })
        .collect()
}

fn constraint_lines(table: &Table) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(pk) = &table.primary_key {
        lines.push(format!(
            "primary key {} ({})",
            pk.name,
            pk.columns.join(", ")
        ));
    }
    for unique in &table.uniques {
        lines.push(format!(
            "unique {}{} ({})",
            unique.name,
            if unique.nulls_not_distinct {
                " NULLS NOT DISTINCT"
            } else {
                ""
            },
            unique.columns.join(", ")
        ));
    }
    for index in &table.indexes {
        lines.push(index_line(index));
    }
    for fk in &table.foreign_keys {
        lines.push(foreign_key_line(fk));
    }
    for check in &table.checks {
        lines.push(format!(
            "check {} ({}){}",
            check.name,
            check.expression,
            if check.not_valid { " NOT VALID" } else { "" }
        ));
    }
    lines
}

fn index_line(index: &Index) -> String {
    let keys: Vec<String> = index
        .keys
        .iter()
        .map(|key| match key.column_name() {
            // A plain column reads better unquoted.
            Some(name) => forge_core::render::postgres::index_key(key).replacen(
                &forge_core::render::postgres::ident(name),
                name,
                1,
            ),
            None => forge_core::render::postgres::index_key(key),
        })
        .collect();
    let mut line = format!(
        "{}index {}{} ({})",
        if index.unique { "unique " } else { "" },
        index.name,
        index
            .method
            .as_ref()
            .map(|m| format!(" USING {m}"))
            .unwrap_or_default(),
        keys.join(", ")
    );
    if !index.include.is_empty() {
        line.push_str(&format!(" INCLUDE ({})", index.include.join(", ")));
    }
    if index.nulls_not_distinct {
        line.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(predicate) = &index.predicate {
        line.push_str(&format!(" WHERE {predicate}"));
    }
    line
}

fn foreign_key_line(fk: &ForeignKey) -> String {
    let mut line = format!(
        "foreign key {} ({}) -> {} ({})",
        fk.name,
        fk.columns.join(", "),
        fk.referenced(),
        fk.referenced_columns.join(", ")
    );
    if fk.match_type == forge_core::model::MatchType::Full {
        line.push_str(" MATCH FULL");
    }
    if !fk.on_delete.is_default() {
        line.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    if !fk.on_update.is_default() {
        line.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    match fk.deferrable {
        forge_core::model::Deferrable::NotDeferrable => {}
        forge_core::model::Deferrable::InitiallyImmediate => line.push_str(" DEFERRABLE"),
        forge_core::model::Deferrable::InitiallyDeferred => {
            line.push_str(" DEFERRABLE INITIALLY DEFERRED")
        }
    }
    if fk.not_valid {
        line.push_str(" NOT VALID");
    }
    line
}
