//! The command-line grammar (clap). Each subcommand's behaviour lives in
//! `commands/<name>.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands::migrate::MigrateCommand;

#[derive(Debug, Parser)]
#[command(
    name = "api-forge-cli",
    version,
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
    /// The same commands against a deployment in Kubernetes (automatic port-forward
    /// to a bundled PostgreSQL, or an external database over TLS).
    K8s(K8sArgs),
    /// Checks of the database in DATABASE_URL.
    #[command(subcommand)]
    Db(DbCommand),
}

#[derive(Debug, Args)]
pub struct K8sArgs {
    #[command(flatten)]
    pub target: K8sTarget,
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
