//! One module per subcommand; `exec` dispatches.

pub mod db;
pub mod entities;
pub mod k8s;
pub mod migrate;
pub mod schema;
pub mod verify;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::config::Config;
use crate::failure::CommandResult;
use crate::output::Output;

pub async fn exec(cli: Cli, out: &mut Output<'_>) -> CommandResult {
    let config = Config::load(
        cli.global.config.as_deref(),
        cli.global.database_url.as_deref(),
    )?;
    match cli.command {
        Command::Entities(command) => entities::exec(command, out),
        Command::Schema(command) => schema::exec(command, &config, out).await,
        Command::Migrate(command) => migrate::exec(command, &config, out).await,
        Command::K8s(args) => k8s::exec(args, &config, out).await,
        Command::Db(command) => db::exec(command, &config, out).await,
    }
    .map(|code| code.unwrap_or(ExitCode::SUCCESS))
}
