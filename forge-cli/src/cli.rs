//! The command-line grammar (clap). Each subcommand's behaviour lives in
//! `commands/<name>.rs`.
//!
//! Flags that apply everywhere (`--config`, `--dir`, `-v`/`-q`, `--color`)
//! are global and shown under their own heading, apart from a command's own.
//! `--database-url` exists only where a command talks to the database it
//! names: under `k8s` the database is the deployment's, so the flag is refused
//! there rather than silently replaced.

use std::path::PathBuf;

use clap::{ArgAction, ArgGroup, Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

use crate::commands::migrate::MigrateCommand;

const GLOBAL: &str = "Global options";

#[derive(Debug, Parser)]
#[command(
    name = "api-forge-cli",
    about = "Schema and migrations for this app's entities (Forge)"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file (default: forge.toml in this directory or the nearest parent).
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL)]
    pub config: Option<PathBuf>,
    /// Migrations directory (default: [migrations] dir in forge.toml, else migrations/versions).
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL)]
    pub dir: Option<PathBuf>,
    /// More detail: `current`, `heads` and `history` show files, parents and dates, and the
    /// log on stderr shows Forge's steps (-v), every SQL statement with its timing (-vv),
    /// everything (-vvv). RUST_LOG, when set, decides the log instead.
    #[arg(short, long, global = true, action = ArgAction::Count, help_heading = GLOBAL)]
    pub verbose: u8,
    /// Only errors: no progress lines, no warnings in the log.
    #[arg(short, long, global = true, conflicts_with = "verbose", help_heading = GLOBAL)]
    pub quiet: bool,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto", help_heading = GLOBAL)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// `--database-url` of the commands that connect to the configured database.
#[derive(Debug, Args, Default)]
pub struct DatabaseArgs {
    /// Database URL (default: DATABASE_URL, then [database] url in forge.toml).
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start using Forge here: a commented forge.toml and the migrations directory.
    Init(InitArgs),
    /// The models this binary discovered.
    #[command(subcommand)]
    Entities(EntitiesCommand),
    /// The schema the models describe, or the live database's schema.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Create, apply, revert and inspect migrations.
    Migrate(MigrateArgs),
    /// Checks of the database in DATABASE_URL.
    Db(DbArgs),
    /// The same commands against a deployment in Kubernetes (automatic port-forward
    /// to a bundled PostgreSQL, or an external database over TLS).
    K8s(K8sArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project directory to set up (default: the current directory).
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,
    /// The database URL to write into forge.toml (default: a local PostgreSQL
    /// database named after the directory). No password: that belongs in
    /// DATABASE_URL or .env.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// What was created, as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
    /// The script inside a JSON object instead of plain text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(subcommand)]
    pub command: MigrateCommand,
}

#[derive(Debug, Args)]
pub struct DbArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Debug, Args)]
pub struct K8sArgs {
    #[command(flatten)]
    pub target: K8sTarget,
    /// Refused: under `k8s` the database is the deployment's (see `RefusedUnderK8s`).
    #[arg(long, global = true, hide = true, value_name = "URL")]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: K8sCommand,
}

/// Flags that win over [k8s] in forge.toml and the environment.
#[derive(Debug, Args, Default)]
pub struct K8sTarget {
    /// Namespace of the database pod (default: K8S_NAMESPACE, then [k8s] namespace).
    #[arg(long, global = true, value_name = "NS")]
    pub namespace: Option<String>,
    /// kubeconfig context to use (default: kubectl's current context, or [k8s] context).
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// Label selector of the database pod (default: [k8s] selector).
    #[arg(long, global = true, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Local port of the port-forward; 0 picks a free one (default: [k8s] local_port).
    #[arg(long, global = true, value_name = "PORT")]
    pub local_port: Option<u16>,
    /// The kubectl program (default: [k8s] kubectl).
    #[arg(long, global = true, value_name = "PATH")]
    pub kubectl: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum K8sCommand {
    /// The database of the deployment.
    #[command(subcommand)]
    Db(K8sDbCommand),
}

#[derive(Debug, Subcommand)]
pub enum K8sDbCommand {
    /// Any `migrate` subcommand, run against the deployment's database.
    #[command(subcommand)]
    Migrate(MigrateCommand),
    /// Check the deployment's database: connection, TLS, schema, roles, migrations, drift.
    Verify(VerifyArgs),
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Check the database: connection, TLS, schema, roles, migrations, drift.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The checks as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum EntitiesCommand {
    /// List every registered entity: table, columns with their SQL types, source struct.
    List {
        /// The entities as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// The schema the models describe (as the database should be).
    Dump(SchemaFormat),
    /// The live database's schema, as Forge's introspection reads it.
    Inspect(InspectArgs),
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub format: SchemaFormat,
}

/// How `schema dump` and `schema inspect` print a schema (default: a summary to read).
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("format").args(["json", "sql", "mermaid", "rust"])))]
pub struct SchemaFormat {
    /// The schema model as JSON.
    #[arg(long)]
    pub json: bool,
    /// The DDL that creates the schema.
    #[arg(long)]
    pub sql: bool,
    /// An ER diagram (Mermaid `erDiagram`) for docs and reviews.
    #[arg(long)]
    pub mermaid: bool,
    /// Models of the tables as Rust (`#[derive(EntityTable)]` structs): a start
    /// for the models of an existing database.
    #[arg(long)]
    pub rust: bool,
}
