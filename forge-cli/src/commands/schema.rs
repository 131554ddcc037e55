//! `schema dump` (the models' schema) and `schema inspect` (the live database's).

use std::process::ExitCode;

use forge_core::registry;

use crate::cli::{SchemaCommand, SchemaFormat};
use crate::config::Config;
use crate::failure::{CommandResult, Failure};
use crate::output::Output;

pub async fn exec(command: SchemaCommand, config: &Config, out: &mut Output<'_>) -> CommandResult<Option<ExitCode>> {
    match command {
        SchemaCommand::Dump(format) => dump(format, out),
        SchemaCommand::Inspect(_format) => {
            let _ = config;
            Err(Failure::error("schema inspect is not available yet"))
        }
    }
}

fn dump(format: SchemaFormat, out: &mut Output<'_>) -> CommandResult<Option<ExitCode>> {
    let schema = registry::schema()?;
    if format.sql {
        return Err(Failure::error("schema dump --sql is not available yet"));
    }
    out.json(&schema)?;
    Ok(None)
}
