//! Configuration: `forge.toml` at the project root (or `--config PATH`),
//! overridden by the environment (`DATABASE_URL`, `K8S_NAMESPACE`,
//! `POSTGRES_PASSWORD`; `.env` fills what the environment does not set),
//! overridden by flags. An unknown key or a wrong type is an error naming the
//! key, its line and the file.

use std::path::{Path, PathBuf};

use forge_core::introspect::Exclusions;
use forge_core::runner::Bookkeeping;
use serde::Deserialize;

use crate::failure::Failure;

pub const FILE_NAME: &str = "forge.toml";

/// The configuration in force: file values with the overrides applied.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub database: DatabaseConfig,
    pub migrations: MigrationsConfig,
    pub autogenerate: AutogenerateConfig,
    pub k8s: K8sConfig,
    pub verify: VerifyConfig,
    /// The directory relative paths are resolved against (the config file's).
    #[serde(skip)]
    pub root: PathBuf,
    /// The file the configuration came from, if any.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    pub url: Option<String>,
    pub schema: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MigrationsConfig {
    pub dir: PathBuf,
    pub version_table: String,
    /// Seconds any one statement of a run may take (PostgreSQL's
    /// statement_timeout for the run's session); unset: the server's own.
    pub statement_timeout: Option<u64>,
}

/// `[autogenerate]`: what autogenerate, `migrate check`, `schema inspect`,
/// `migrate baseline` and verify's drift check leave alone.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutogenerateConfig {
    /// Glob patterns on `[kind:][schema.]name` (`legacy_*`, `audit.*`,
    /// `view:*`); see forge_core::introspect::exclude for the grammar.
    pub exclude: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct K8sConfig {
    pub bundled: bool,
    pub namespace: String,
    pub selector: String,
    pub local_port: u16,
    pub remote_port: u16,
    pub database: String,
    pub user: String,
    pub kubectl: String,
    pub context: Option<String>,
    pub external_url: Option<String>,
    /// Seconds to wait for the port-forward to answer.
    pub forward_timeout: u64,
    /// From `POSTGRES_PASSWORD` only: a password never belongs in forge.toml.
    #[serde(skip)]
    pub password: Option<Secret>,
}

/// A password: shown as `***` by `Debug`, so it cannot leak through a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VerifyConfig {
    pub schema_owner: Option<String>,
    pub app_user: Option<String>,
    pub readonly_user: Option<String>,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: None,
            schema: "public".to_string(),
        }
    }
}

impl Default for MigrationsConfig {
    fn default() -> Self {
        MigrationsConfig {
            dir: PathBuf::from("migrations/versions"),
            version_table: "forge_version".to_string(),
            statement_timeout: None,
        }
    }
}

impl Default for K8sConfig {
    fn default() -> Self {
        K8sConfig {
            bundled: true,
            namespace: "api-forge-prod".to_string(),
            selector: "app.kubernetes.io/name=postgres".to_string(),
            local_port: 54320,
            remote_port: 5432,
            database: "appdb".to_string(),
            user: "postgres".to_string(),
            kubectl: "kubectl".to_string(),
            context: None,
            external_url: None,
            forward_timeout: 20,
            password: None,
        }
    }
}

impl Config {
    /// Loads the configuration: `explicit` file or the nearest `forge.toml`
    /// upwards from the current directory, then `.env`, the environment, and
    /// the `--database-url` flag.
    pub fn load(
        explicit: Option<&Path>,
        database_url_flag: Option<&str>,
    ) -> Result<Config, Failure> {
        let file = match explicit {
            Some(path) if !path.is_file() => {
                return Err(Failure::error(format!(
                    "the configuration file {} does not exist",
                    path.display()
                )))
            }
            Some(path) => Some(path.to_path_buf()),
            None => std::env::current_dir()
                .ok()
                .and_then(|dir| find_upwards(&dir)),
        };
        let mut config = match &file {
            Some(path) => Self::parse_file(path)?,
            None => Config {
                root: std::env::current_dir().unwrap_or_default(),
                ..Config::default()
            },
        };
        // `.env` fills variables the environment does not already set.
        let _ = dotenvy::from_path(config.root.join(".env"));
        config.apply_environment(|name| std::env::var(name).ok());
        if let Some(url) = database_url_flag {
            config.database.url = Some(url.to_string());
        }
        Ok(config)
    }

    /// Parses one configuration file; relative paths resolve against its directory.
    pub fn parse_file(path: &Path) -> Result<Config, Failure> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::error(format!(
                "cannot read the configuration file {}: {e}",
                path.display()
            ))
        })?;
        let mut config = Self::parse(&text).map_err(|e| {
            Failure::error(format!("{} is not valid: {e}", path.display())).with_hint(
                "see the Configuration section of the README for the keys forge.toml accepts",
            )
        })?;
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        config.root = absolute.parent().map(Path::to_path_buf).unwrap_or_default();
        config.source = Some(absolute);
        Ok(config)
    }

    /// Parses configuration text (no overrides applied). An error names the
    /// key (`k8s.local_port`) and its line.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config = toml::from_str::<Config>(text).map_err(|e| describe_error(text, &e))?;
        config.check()?;
        Ok(config)
    }

    /// Rules of the file no type expresses.
    fn check(&self) -> Result<(), String> {
        if self
            .k8s
            .external_url
            .as_deref()
            .is_some_and(forge_core::database::has_password)
        {
            return Err("`k8s.external_url` carries a password; a password does not belong in forge.toml: remove it from the URL and set POSTGRES_PASSWORD instead".to_string());
        }
        if let Some(problem) = Bookkeeping::new(&self.migrations.version_table).name_problem() {
            return Err(format!("`migrations.version_table`: {problem}"));
        }
        Exclusions::parse(&self.autogenerate.exclude)
            .map_err(|e| format!("`autogenerate.exclude`: {e}"))?;
        if self.migrations.statement_timeout == Some(0) {
            return Err("`migrations.statement_timeout` is 0; leave it out for no limit, or give the seconds a statement may take".to_string());
        }
        Ok(())
    }

    /// `[autogenerate] exclude`, parsed (checked when the file was read).
    pub fn exclusions(&self) -> Exclusions {
        Exclusions::parse(&self.autogenerate.exclude).unwrap_or_default()
    }

    /// Environment variables win over the file.
    pub fn apply_environment(&mut self, var: impl Fn(&str) -> Option<String>) {
        if let Some(url) = var("DATABASE_URL").filter(|v| !v.is_empty()) {
            self.database.url = Some(url);
        }
        if let Some(namespace) = var("K8S_NAMESPACE").filter(|v| !v.is_empty()) {
            self.k8s.namespace = namespace;
        }
        if let Some(password) = var("POSTGRES_PASSWORD").filter(|v| !v.is_empty()) {
            self.k8s.password = Some(Secret::new(password));
        }
    }

    /// The migrations folder, resolved against the project root.
    pub fn migrations_dir(&self) -> PathBuf {
        self.root.join(&self.migrations.dir)
    }

    /// The database URL, or an error saying where to set one.
    pub fn database_url(&self) -> Result<&str, Failure> {
        self.database.url.as_deref().ok_or_else(|| {
            Failure::error("no database is configured").with_hint(
                "set DATABASE_URL, pass --database-url, or set [database] url in forge.toml",
            )
        })
    }
}

/// One sentence for a TOML error: toml's own message spans several lines with
/// a source excerpt, and for a wrong type it does not name the key.
fn describe_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().replace('\n', " ");
    let Some(span) = error.span() else {
        return message;
    };
    let start = span.start.min(text.len());
    let line_number = text[..start].matches('\n').count() + 1;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && !l.starts_with("[["))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    let key = line
        .split_once('=')
        .map(|(key, _)| key.trim().trim_matches('"').to_string());
    let name = match (table, key) {
        (Some(table), Some(key)) => Some(format!("{table}.{key}")),
        (None, Some(key)) => Some(key),
        (Some(table), None) => Some(format!("[{table}]")),
        (None, None) => None,
    };
    let mut sentence = match name {
        Some(name) => format!("`{name}` (line {line_number}): {message}"),
        None => format!("line {line_number}: {message}"),
    };
    if line
        .split_once('=')
        .is_some_and(|(key, _)| key.trim() == "password")
    {
        sentence
            .push_str("; a password does not belong in forge.toml, set POSTGRES_PASSWORD instead");
    }
    sentence
}

fn find_upwards(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_gives_the_documented_defaults() {
        let config = Config::parse("").unwrap();
        assert_eq!(config.database.schema, "public");
        assert_eq!(config.migrations.version_table, "forge_version");
        assert_eq!(config.k8s.local_port, 54320);
        assert_eq!(config.k8s.selector, "app.kubernetes.io/name=postgres");
    }

    #[test]
    fn an_unknown_key_is_named() {
        let err =
            Config::parse("[database]\nurl = \"postgres://x\"\nshema = \"public\"\n").unwrap_err();
        assert!(err.contains("shema"), "{err}");
    }

    #[test]
    fn a_wrong_type_is_named() {
        let err = Config::parse("[k8s]\nlocal_port = \"eighty\"\n").unwrap_err();
        assert!(err.contains("`k8s.local_port` (line 2)"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn an_unknown_key_is_named_with_its_table_and_line() {
        let err =
            Config::parse("[database]\nurl = \"postgres://x\"\nshema = \"public\"\n").unwrap_err();
        assert!(err.contains("`database.shema` (line 3)"), "{err}");
    }

    #[test]
    fn a_password_in_the_file_points_at_the_variable() {
        let err = Config::parse("[k8s]\npassword = \"hunter2\"\n").unwrap_err();
        assert!(err.contains("POSTGRES_PASSWORD"), "{err}");
    }

    #[test]
    fn the_password_comes_from_the_environment_and_never_shows_in_debug() {
        let mut config = Config::parse("").unwrap();
        config
            .apply_environment(|name| (name == "POSTGRES_PASSWORD").then(|| "hunter2".to_string()));
        assert_eq!(
            config.k8s.password.as_ref().map(Secret::expose),
            Some("hunter2")
        );
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn exclude_patterns_are_checked_when_the_file_is_read() {
        let config =
            Config::parse("[autogenerate]\nexclude = [\"legacy_*\", \"view:*\"]\n").unwrap();
        assert_eq!(config.exclusions().patterns().len(), 2);
        let err = Config::parse("[autogenerate]\nexclude = [\"views:*\"]\n").unwrap_err();
        assert!(
            err.starts_with("`autogenerate.exclude`: exclude pattern `views:*` names kind `views`"),
            "{err}"
        );
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let mut config = Config::parse("[database]\nurl = \"postgres://file/db\"\n").unwrap();
        config.apply_environment(|name| {
            (name == "DATABASE_URL").then(|| "postgres://env/db".to_string())
        });
        assert_eq!(config.database.url.as_deref(), Some("postgres://env/db"));
    }

    #[test]
    fn a_password_in_the_external_url_is_refused_without_showing_it() {
        for url in [
            "postgres://app:hunter2@db.example.com/appdb",
            "postgres://app:hun#ter2@db.example.com/appdb",
            "postgres://app@db.example.com/appdb?password=hunter2",
        ] {
            let err = Config::parse(&format!("[k8s]\nexternal_url = \"{url}\"\n")).unwrap_err();
            assert!(err.contains("POSTGRES_PASSWORD"), "{err}");
            assert!(!err.contains("hunter2") && !err.contains("ter2"), "{err}");
        }
        assert!(Config::parse("[k8s]\nexternal_url = \"postgres://app@db/appdb\"\n").is_ok());
    }

    #[test]
    fn a_version_table_postgresql_would_truncate_is_refused() {
        let name = "v".repeat(64);
        let err =
            Config::parse(&format!("[migrations]\nversion_table = \"{name}\"\n")).unwrap_err();
        assert!(err.contains("`migrations.version_table`"), "{err}");
        assert!(err.contains("at most 63 bytes"), "{err}");
    }

    #[test]
    fn the_statement_timeout_is_seconds() {
        let config = Config::parse("[migrations]\nstatement_timeout = 30\n").unwrap();
        assert_eq!(config.migrations.statement_timeout, Some(30));
        assert!(Config::parse("[migrations]\nstatement_timeout = 0\n").is_err());
    }
}
