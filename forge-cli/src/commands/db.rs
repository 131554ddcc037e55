//! `db ...`: commands on the database in DATABASE_URL (or forge.toml) itself.

use std::process::ExitCode;

use forge_core::verify::Transport;

use super::verify;
use crate::cli::DbCommand;
use crate::config::Config;
use crate::failure::CommandResult;
use crate::output::Output;

pub async fn exec(
    command: DbCommand,
    config: &Config,
    out: &mut Output<'_>,
) -> CommandResult<Option<ExitCode>> {
    match command {
        DbCommand::Verify(args) => verify::exec(args, config, Transport::Direct, out).await,
    }
}
