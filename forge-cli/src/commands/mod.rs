//! One module per subcommand; `exec` loads the configuration the command
//! needs and dispatches.

pub mod completions;
pub mod db;
pub mod entities;
pub mod init;
pub mod k8s;
pub mod migrate;
pub mod schema;
pub mod verify;

use std::path::Path;
use std::process::ExitCode;

use crate::cli::{Cli, Command, SchemaCommand};
use crate::config::Config;
use crate::failure::{CommandResult, Failure};
use crate::logging::Secrets;
use crate::output::Output;
use crate::App;

pub async fn exec(cli: Cli, app: App, out: &mut Output<'_>, secrets: &Secrets) -> CommandResult {
    let global = &cli.global;
    // Before any configuration is read: neither needs one, and init must work
    // where no forge.toml exists yet (or a parent's would mislead it).
    match cli.command {
        Command::Init(args) => return init::exec(args, global.dir.as_deref(), out),
        Command::Completions(args) => return completions::exec(args, app, out),
        _ => {}
    }
    let database_url = match &cli.command {
        Command::Migrate(args) => args.database.database_url.as_deref(),
        Command::Db(args) => args.database.database_url.as_deref(),
        Command::Schema(SchemaCommand::Inspect(args)) => args.database.database_url.as_deref(),
        Command::K8s(args) if args.database_url.is_some() => {
            return Err(RefusedUnderK8s.failure());
        }
        _ => None,
    };
    let mut config = Config::load(global.config.as_deref(), database_url)?;
    if let Some(dir) = &global.dir {
        config.migrations.dir = from_current_dir(dir);
    }
    register_secrets(&config, secrets);
    tracing::debug!(
        config = %config.source.as_deref().map_or("(none: defaults)".into(), |p| p.display().to_string()),
        migrations = %config.migrations_dir().display(),
        "configuration loaded"
    );
    match cli.command {
        Command::Init(_) | Command::Completions(_) => unreachable!("handled above"),
        Command::Entities(command) => entities::exec(command, out),
        Command::Schema(command) => schema::exec(command, &config, out).await,
        Command::Migrate(args) => migrate::exec(args.command, &config, out).await,
        Command::K8s(args) => k8s::exec(args, &config, out).await,
        Command::Db(args) => db::exec(args.command, &config, out).await,
    }
    .map(|code| code.unwrap_or(ExitCode::SUCCESS))
}

/// `--database-url` under `k8s`: the deployment's database is reached through
/// the port-forward or `[k8s] external_url`, so a URL given here would be
/// ignored; saying so beats connecting somewhere the user did not mean.
#[derive(Debug, thiserror::Error)]
#[error("--database-url does not apply under `k8s`: the database is the deployment's (through the port-forward, or [k8s] external_url)")]
struct RefusedUnderK8s;

impl RefusedUnderK8s {
    fn failure(self) -> Failure {
        Failure::error(self.to_string()).with_hint(
            "drop --database-url; to migrate that database directly, run `migrate ...` without `k8s db`",
        )
    }
}

/// A path given on the command line is relative to where the command runs,
/// not to forge.toml's directory.
fn from_current_dir(path: &Path) -> std::path::PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

/// The passwords the configuration holds never reach the log.
fn register_secrets(config: &Config, secrets: &Secrets) {
    if let Some(password) = &config.k8s.password {
        secrets.add(password.expose());
    }
    for url in [&config.database.url, &config.k8s.external_url]
        .into_iter()
        .flatten()
    {
        if let Some(password) = url_password(url) {
            secrets.add(&password);
        }
    }
}

/// The password of a `scheme://user:password@host/...` URL, as written.
fn url_password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let user_info = authority.rsplit_once('@')?.0;
    let password = user_info.split_once(':')?.1;
    (!password.is_empty()).then(|| password.to_string())
}
