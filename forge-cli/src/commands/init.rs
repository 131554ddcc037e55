//! `init [PATH]`: starts a project — a commented forge.toml, the migrations
//! directory and a README stub in it. Never overwrites: an existing forge.toml
//! stops it before anything is written; an existing directory or README is kept.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use forge_core::database::redact_url;
use serde::Serialize;

use crate::cli::InitArgs;
use crate::config::{MigrationsConfig, FILE_NAME};
use crate::failure::{CommandResult, Failure};
use crate::output::Output;

/// The database a new project starts on when `--database-url` is not given.
/// Until Forge's SQLite backend lands (issue 12) that is the local
/// PostgreSQL; flipping this one line makes the embedded SQLite the default.
const EMBEDDED_DEFAULT: Default = Default::LocalPostgres;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Default {
    /// `postgres://postgres@127.0.0.1:5432/<project>`: the server every
    /// developer machine of a PostgreSQL team runs.
    LocalPostgres,
    /// A file next to forge.toml, no server needed.
    #[allow(dead_code)] // the default once the SQLite backend lands
    Sqlite,
}

const SQLITE_URL: &str = "sqlite://forge-dev.db?mode=rwc";

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{path} already exists; init never overwrites a configuration")]
    ConfigExists { path: PathBuf },
    #[error("the database URL holds a password; forge.toml is committed, so a password does not belong in it")]
    PasswordInUrl,
    #[error("{url} is a SQLite URL, and Forge's SQLite backend is not built yet (it is coming)")]
    SqliteNotYetSupported { url: String },
    #[error("{url} names no database Forge supports; Forge speaks PostgreSQL (postgres://...)")]
    UnsupportedScheme { url: String },
    #[error(transparent)]
    InvalidUrl(#[from] forge_core::database::ConnectError),
    #[error("cannot create {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl InitError {
    fn failure(self) -> Failure {
        let error = self;
        let hint = match &error {
            InitError::ConfigExists { .. } => Some("edit it, or move it away and run init again"),
            InitError::PasswordInUrl => Some(
                "pass the URL without its password, and set the full URL in DATABASE_URL or .env",
            ),
            InitError::SqliteNotYetSupported { .. } => {
                Some("use a PostgreSQL URL for now (postgres://user@host:5432/database)")
            }
            InitError::UnsupportedScheme { .. } => {
                Some("write it as postgres://user@host:5432/database")
            }
            InitError::InvalidUrl(_) | InitError::Io { .. } => None,
        };
        let failure = Failure::error(error.to_string());
        match hint {
            Some(hint) => failure.with_hint(hint),
            None => failure,
        }
    }
}

#[derive(Debug, Serialize)]
struct Initialized {
    config: PathBuf,
    migrations_dir: PathBuf,
    database_url: String,
    /// Paths written by this run.
    created: Vec<PathBuf>,
    /// Paths that existed already and were left as they were.
    kept: Vec<PathBuf>,
}

pub fn exec(args: InitArgs, dir_flag: Option<&Path>, out: &mut Output<'_>) -> CommandResult {
    let report = create(&args, dir_flag).map_err(InitError::failure)?;
    if args.json {
        out.json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    for path in &report.created {
        out.line(format!("Created {}", path.display()))?;
    }
    for path in &report.kept {
        out.line(format!("Kept    {} (it exists)", path.display()))?;
    }
    out.line(format!("Database: {}", report.database_url))?;
    out.line(
        "Next: create that database, add an entity, then `migrate revision -m \"initial schema\"` and `migrate upgrade`.",
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Creates what is missing; refuses before writing anything when forge.toml exists.
fn create(args: &InitArgs, dir_flag: Option<&Path>) -> Result<Initialized, InitError> {
    let root = &args.path;
    let config_path = root.join(FILE_NAME);
    if config_path.exists() {
        return Err(InitError::ConfigExists { path: config_path });
    }
    let url = match &args.database_url {
        Some(url) => checked_url(url)?,
        None => default_url(EMBEDDED_DEFAULT, root),
    };
    let migrations = dir_flag
        .map(Path::to_path_buf)
        .unwrap_or_else(|| MigrationsConfig::default().dir);
    let migrations_dir = root.join(&migrations);
    let mut created = Vec::new();
    let mut kept = Vec::new();
    if migrations_dir.is_dir() {
        kept.push(migrations_dir.clone());
    } else {
        std::fs::create_dir_all(&migrations_dir).map_err(|source| InitError::Io {
            path: migrations_dir.clone(),
            source,
        })?;
        created.push(migrations_dir.clone());
    }
    let readme = migrations_dir.join("README.md");
    if write_new(&readme, README)? {
        created.push(readme);
    } else {
        kept.push(readme);
    }
    // Last, and only if still absent: a concurrent init is not overwritten either.
    if !write_new(&config_path, &config_text(&url, &migrations))? {
        return Err(InitError::ConfigExists { path: config_path });
    }
    created.insert(0, config_path.clone());
    Ok(Initialized {
        config: config_path,
        migrations_dir,
        database_url: redact_url(&url),
        created,
        kept,
    })
}

/// A URL given to init: a backend Forge has, and no password in it.
fn checked_url(url: &str) -> Result<String, InitError> {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("postgres" | "postgresql") => {}
        Some("sqlite") => {
            return Err(InitError::SqliteNotYetSupported {
                url: url.to_string(),
            })
        }
        _ => {
            return Err(InitError::UnsupportedScheme {
                url: redact_url(url),
            })
        }
    }
    forge_core::database::parse_url(url)?;
    if redact_url(url) != url {
        return Err(InitError::PasswordInUrl);
    }
    Ok(url.to_string())
}

fn default_url(default: Default, root: &Path) -> String {
    match default {
        Default::LocalPostgres => {
            format!("postgres://postgres@127.0.0.1:5432/{}", database_name(root))
        }
        Default::Sqlite => SQLITE_URL.to_string(),
    }
}

/// The project directory's name as a database name: lowercase ASCII letters,
/// digits and `_` (`my-shop` -> `my_shop`), `app` when nothing is left.
fn database_name(root: &Path) -> String {
    let absolute = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let name: String = absolute
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let name = name.trim_matches('_');
    if name.is_empty() {
        "app".to_string()
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("app_{name}")
    } else {
        name.to_string()
    }
}

/// Creates `path` with `text`; false when it exists (it is left alone).
fn write_new(path: &Path, text: &str) -> Result<bool, InitError> {
    let io = |source| InitError::Io {
        path: path.to_path_buf(),
        source,
    };
    match OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(mut file) => {
            file.write_all(text.as_bytes()).map_err(io)?;
            Ok(true)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(io(e)),
    }
}

/// forge.toml with every section explained; the chosen URL is live and the
/// other default is a commented line.
fn config_text(url: &str, migrations: &Path) -> String {
    let defaults = MigrationsConfig::default();
    let sqlite_line = if url == SQLITE_URL {
        String::new()
    } else {
        format!(
            "# The embedded default once Forge's SQLite backend lands (no server needed):\n# url = \"{SQLITE_URL}\"\n"
        )
    };
    format!(
        r#"# Forge's configuration. Environment variables (DATABASE_URL, K8S_NAMESPACE,
# POSTGRES_PASSWORD; .env is read too) win over this file, and flags win over both.

[database]
# The database `migrate ...` works on. Keep passwords out of this file: put the
# full URL in DATABASE_URL or .env instead.
url = "{url}"
{sqlite_line}# The PostgreSQL schema the tables live in (the session's search_path).
schema = "public"

[migrations]
# Where the revision files live, relative to this file.
dir = "{dir}"
# Forge's bookkeeping table; its append-only history is named after it ({history}).
version_table = "{version_table}"

# A deployment in Kubernetes (`k8s db migrate ...`, `k8s db verify`). The values
# shown are the defaults; uncomment what differs.
# [k8s]
# bundled = true                           # false: an external database at external_url
# namespace = "api-forge-prod"             # K8S_NAMESPACE wins
# selector = "app.kubernetes.io/name=postgres"
# local_port = 54320                       # 0: pick a free port
# database = "appdb"
# user = "postgres"                        # the password comes from POSTGRES_PASSWORD
# external_url = "postgres://app@db.example.com/appdb"

# What `db verify` expects of the deployment's roles (each check is skipped when unset).
# [verify]
# schema_owner = "app_owner"
# app_user = "app_user"
# readonly_user = "app_reader"
"#,
        dir = migrations.display().to_string().replace('\\', "/"),
        version_table = defaults.version_table,
        history = forge_core::runner::Bookkeeping::new(&defaults.version_table).history_table,
    )
}

const README: &str = "\
# Migrations

One SQL file per revision, written by `migrate revision -m \"what it does\"`
(autogenerated from the models) and applied in order by `migrate upgrade`.
Review each file before committing it: look for `-- forge:warning` lines.

Each file has a header the tool owns (`-- forge:revision`, `-- forge:parents`,
...) and two sections, `-- forge:upgrade` and `-- forge:downgrade`. Never edit
a file that was applied somewhere: write a new revision instead.

- `migrate current` — where the database is; `migrate history --graph` — the revisions
- `migrate upgrade` / `migrate downgrade -1` — apply / revert
- `migrate check` — exit 1 when the models, files and database disagree (for CI)
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_database_is_named_after_the_project() {
        assert_eq!(database_name(Path::new("/tmp/My-Shop")), "my_shop");
        assert_eq!(database_name(Path::new("/tmp/2024 app")), "app_2024_app");
        assert_eq!(
            default_url(Default::LocalPostgres, Path::new("/srv/shop")),
            "postgres://postgres@127.0.0.1:5432/shop"
        );
        assert_eq!(
            default_url(Default::Sqlite, Path::new("/srv/shop")),
            SQLITE_URL
        );
    }

    #[test]
    fn the_written_configuration_is_valid_and_says_what_it_sets() {
        for url in [
            default_url(EMBEDDED_DEFAULT, Path::new("/srv/shop")),
            SQLITE_URL.to_string(),
        ] {
            let text = config_text(&url, Path::new("db/versions"));
            let config = crate::config::Config::parse(&text).unwrap();
            assert_eq!(config.database.url.as_deref(), Some(url.as_str()));
            assert_eq!(config.migrations.dir, Path::new("db/versions"));
            assert_eq!(text.contains("# url = \"sqlite://"), url != SQLITE_URL);
        }
    }

    #[test]
    fn urls_with_a_password_or_an_unbuilt_backend_are_refused() {
        assert!(matches!(
            checked_url("postgres://app:pw@db/app"),
            Err(InitError::PasswordInUrl)
        ));
        assert!(matches!(
            checked_url("sqlite://x.db"),
            Err(InitError::SqliteNotYetSupported { .. })
        ));
        assert!(matches!(
            checked_url("mysql://x:pw@y/z"),
            Err(InitError::UnsupportedScheme { url }) if !url.contains("pw")
        ));
        assert_eq!(
            checked_url("postgres://app@db/app").unwrap(),
            "postgres://app@db/app"
        );
    }
}
