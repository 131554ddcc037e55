//! The command-line grammar (clap). Each subcommand's behaviour lives in
//! `commands/<name>.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands::migrate::MigrateCommand;

#[derive(Debug, Parser)]
#[command(name = "api-forge-cli", version, about = "Schema and migrations for this app's entities (Forge)")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file (default: forge.toml in this directory or the nearest parent).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Database URL (default: DATABASE_URL, then [database] url in forge.toml).
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The models this binary discovered.
    #[command(subcommand)]
    Entities(EntitiesCommand),
    /// The schema the models describe, or the live database's schema.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Create, apply, revert and inspect migrations.
    #[command(subcommand)]
    Migrate(MigrateCommand),
}

#[derive(Debug, Subcommand)]
pub enum EntitiesCommand {
    /// List every registered entity: table, columns with their SQL types, source struct.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// The schema the models describe (as the database should be).
    Dump(SchemaFormat),
    /// The live database's schema, as Forge's introspection reads it.
    Inspect(SchemaFormat),
}

#[derive(Debug, Args)]
pub struct SchemaFormat {
    /// The schema model as JSON.
    #[arg(long, conflicts_with = "sql")]
    pub json: bool,
    /// The DDL that creates the schema.
    #[arg(long)]
    pub sql: bool,
}
