//! Migrations embedded in an app's binary by `forge::migrations!`: applied at
//! startup on the app's own pool, in the same kind of session (search_path =
//! the configured schema), recorded in the same tables and serialized by the
//! same lock as the CLI's runs.

// Errors carry the runner's (revision, file, line, the server's words); they
// are the cold path, so their size does not matter (as in the runner).
#![allow(clippy::result_large_err)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sqlx::postgres::PgConnectOptions;
use sqlx::{PgConnection, PgPool};

use crate::database::{self, ConnectError};
use crate::graph::RevisionSpec;
use crate::runner::{self, Applied, Migrator, RunnerError, Session, Status, UpgradeOptions};
use crate::settings;
use crate::snapshot::{Snapshot, SnapshotError, Snapshots};

/// What can keep embedded migrations from running.
#[derive(thiserror::Error)]
pub enum EmbedError {
    /// The folder changed after the binary was compiled (the crate was not
    /// rebuilt: a new file does not make cargo rebuild without a build script).
    #[error("this binary embeds {} as it was when it was compiled, and the folder has changed since ({}); rebuild the binary, and give the crate a build script that prints `cargo:rerun-if-changed=<the folder>` so cargo rebuilds it when a migration is added", .dir.display(), describe_stale(.added, .removed))]
    Stale {
        dir: PathBuf,
        added: Vec<String>,
        removed: Vec<String>,
    },

    /// The files passed the compile-time checks of one version of Forge and
    /// fail the runtime's (the macro and the library come from different versions).
    #[error("the embedded migrations are not valid: {source}")]
    Invalid {
        #[source]
        source: RunnerError,
    },

    #[error("an embedded model snapshot is not valid: {0}")]
    Snapshot(#[from] SnapshotError),

    #[error(transparent)]
    Connect(#[from] ConnectError),

    #[error(transparent)]
    Run(#[from] RunnerError),
}

/// The sentence, not the fields: an app's `main` that returns this error (the
/// README's does) prints its Debug form.
impl std::fmt::Debug for EmbedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

fn describe_stale(added: &[String], removed: &[String]) -> String {
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("added: {}", added.join(", ")));
    }
    if !removed.is_empty() {
        parts.push(format!("removed: {}", removed.join(", ")));
    }
    parts.join("; ")
}

/// One embedded file: its path as the app's source names it, and its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedFile {
    pub path: &'static str,
    pub text: &'static str,
}

/// The settings the migrations run with: those of the `forge.toml` nearest to
/// the crate when it was compiled, or the CLI's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// `[database] schema`: the session's search_path, and part of the lock's identity.
    pub schema: &'static str,
    /// `[migrations] version_table`.
    pub version_table: &'static str,
    /// The `forge.toml` they were read from, if any.
    pub config: Option<&'static str>,
}

impl Settings {
    /// The CLI's defaults, for a crate without `forge.toml`.
    pub const DEFAULT: Settings = Settings {
        schema: settings::DEFAULT_SCHEMA,
        version_table: settings::DEFAULT_VERSION_TABLE,
        config: None,
    };
}

/// The migrations of a folder, embedded at compile time by `forge::migrations!`
/// and validated there; the revision graph is built on first use.
///
/// ```no_run
/// # async fn start(pool: sqlx::PgPool) -> Result<(), forge_core::embedded::EmbedError> {
/// # static MIGRATIONS: forge_core::embedded::EmbeddedMigrations =
/// #     forge_core::embedded::EmbeddedMigrations::__new("migrations/versions", &[], &[], forge_core::embedded::Settings::DEFAULT);
/// // static MIGRATIONS: forge::EmbeddedMigrations = forge::migrations!("migrations/versions");
/// let applied = MIGRATIONS.upgrade(&pool).await?;
/// println!("{} migrations applied", applied.len());
/// # Ok(()) }
/// ```
pub struct EmbeddedMigrations {
    /// The folder as the compiler saw it (absolute), to notice a stale binary.
    source_dir: &'static str,
    files: &'static [EmbeddedFile],
    snapshots: &'static [EmbeddedFile],
    settings: Settings,
    migrator: OnceLock<Migrator>,
}

impl std::fmt::Debug for EmbeddedMigrations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedMigrations")
            .field("source_dir", &self.source_dir)
            .field("files", &self.files.len())
            .field("snapshots", &self.snapshots.len())
            .field("settings", &self.settings)
            .finish()
    }
}

impl EmbeddedMigrations {
    /// What `forge::migrations!` expands to. Not public API.
    #[doc(hidden)]
    pub const fn __new(
        source_dir: &'static str,
        files: &'static [EmbeddedFile],
        snapshots: &'static [EmbeddedFile],
        settings: Settings,
    ) -> Self {
        EmbeddedMigrations {
            source_dir,
            files,
            snapshots,
            settings,
            migrator: OnceLock::new(),
        }
    }

    /// The migration files, sorted by name.
    pub fn files(&self) -> &'static [EmbeddedFile] {
        self.files
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The runner over these migrations, with the embedded settings applied
    /// (version table, schema). Built once; checks first that the folder did
    /// not change since the binary was compiled, where the folder still exists.
    pub fn migrator(&self) -> Result<&Migrator, EmbedError> {
        if let Some(migrator) = self.migrator.get() {
            return Ok(migrator);
        }
        self.check_fresh()?;
        let sources: Vec<(&str, &str)> = self.files.iter().map(|f| (f.path, f.text)).collect();
        let migrator = Migrator::from_sources(&sources)
            .map_err(|source| EmbedError::Invalid { source })?
            .with_version_table(self.settings.version_table)
            .with_schema(Some(self.settings.schema));
        Ok(self.migrator.get_or_init(|| migrator))
    }

    /// The embedded model snapshots, checked against the revisions.
    pub fn snapshots(&self) -> Result<Snapshots, EmbedError> {
        let snapshots = self
            .snapshots
            .iter()
            .map(|f| Snapshot::parse(Path::new(f.path), f.text))
            .collect::<Result<Vec<_>, _>>()?;
        let snapshots = Snapshots::from_snapshots(snapshots)?;
        snapshots.check_against(self.migrator()?.graph())?;
        Ok(snapshots)
    }

    /// Applies every pending migration (to `heads`).
    pub async fn upgrade(&self, pool: &PgPool) -> Result<Vec<Applied>, EmbedError> {
        self.upgrade_to(pool, "heads").await
    }

    /// Applies migrations up to `target` (`heads`, `+1`, a revision id...).
    pub async fn upgrade_to(
        &self,
        pool: &PgPool,
        target: &str,
    ) -> Result<Vec<Applied>, EmbedError> {
        let migrator = self.migrator()?;
        let spec = parse_spec(target)?;
        let mut session = MigrationSession::open(pool, self.settings.schema).await?;
        let result = migrator
            .upgrade_with(session.runner(), &spec, &UpgradeOptions::default(), &mut ())
            .await;
        session.close().await;
        Ok(result?)
    }

    /// Reverts migrations down to `target` (`-1`, `base`, a revision id...).
    pub async fn downgrade(&self, pool: &PgPool, target: &str) -> Result<Vec<Applied>, EmbedError> {
        let migrator = self.migrator()?;
        let spec = parse_spec(target)?;
        let mut session = MigrationSession::open(pool, self.settings.schema).await?;
        let result = migrator
            .downgrade_with(session.runner(), &spec, &mut ())
            .await;
        session.close().await;
        Ok(result?)
    }

    /// Where the database is: its heads, what is pending, edited migrations.
    pub async fn status(&self, pool: &PgPool) -> Result<Status, EmbedError> {
        let migrator = self.migrator()?;
        let mut session = MigrationSession::open(pool, self.settings.schema).await?;
        let result = migrator.status(&mut session.connection).await;
        session.close().await;
        Ok(result?)
    }

    /// A binary built before a migration was added would apply fewer migrations
    /// without a word: where the folder is still there (a developer's machine,
    /// CI), its files must be the embedded ones.
    fn check_fresh(&self) -> Result<(), EmbedError> {
        let dir = Path::new(self.source_dir);
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(());
        };
        let on_disk: BTreeSet<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| crate::snapshot::is_embedded_file(name))
            .collect();
        let embedded: BTreeSet<String> = self
            .files
            .iter()
            .chain(self.snapshots)
            .filter_map(|f| Path::new(f.path).file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        if on_disk == embedded {
            return Ok(());
        }
        Err(EmbedError::Stale {
            dir: dir.to_path_buf(),
            added: on_disk.difference(&embedded).cloned().collect(),
            removed: embedded.difference(&on_disk).cloned().collect(),
        })
    }
}

fn parse_spec(target: &str) -> Result<RevisionSpec, EmbedError> {
    target
        .parse()
        .map_err(|e| EmbedError::Run(RunnerError::Graph(e)))
}

/// A run's session, as the CLI opens it: a dedicated connection with the
/// configured schema as its search_path (checked to exist), and the options
/// the runner opens its lock session with. Dedicated, not pooled: the
/// search_path it sets must not leak into the app's pool.
pub struct MigrationSession {
    pub connection: PgConnection,
    pub lock_options: PgConnectOptions,
}

impl MigrationSession {
    /// A session on the server and database of `pool`, as its user.
    pub async fn open(pool: &PgPool, schema: &str) -> Result<Self, ConnectError> {
        Self::connect((*pool.connect_options()).clone(), schema).await
    }

    /// A session with these options.
    pub async fn connect(options: PgConnectOptions, schema: &str) -> Result<Self, ConnectError> {
        let options = options.application_name(&runner::application_name());
        let shown = describe(&options);
        let connection = database::connect_with(&shown, options.clone(), Some(schema)).await?;
        Ok(MigrationSession {
            connection,
            lock_options: options,
        })
    }

    pub fn runner(&mut self) -> Session<'_> {
        Session::new(&mut self.connection, self.lock_options.clone())
    }

    pub async fn close(self) {
        let _ = sqlx::Connection::close(self.connection).await;
    }
}

/// The options as a URL without a password, for messages.
pub(crate) fn describe(options: &PgConnectOptions) -> String {
    format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const INIT: &str =
        "-- forge:revision aaaaaaaaaaaa\n-- forge:message init\n-- forge:upgrade\nCREATE TABLE t (id int);\n-- forge:downgrade\nDROP TABLE t;\n";

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "forge-embedded-{name}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn leak(text: String) -> &'static str {
        Box::leak(text.into_boxed_str())
    }

    #[test]
    fn the_embedded_files_build_a_migrator_with_the_embedded_settings() {
        static FILES: [EmbeddedFile; 1] = [EmbeddedFile {
            path: "migrations/versions/1_init.sql",
            text: INIT,
        }];
        let embedded = EmbeddedMigrations::__new(
            "/nonexistent/forge/versions",
            &FILES,
            &[],
            Settings {
                schema: "app",
                version_table: "app_version",
                config: None,
            },
        );
        let migrator = embedded.migrator().unwrap();
        assert_eq!(migrator.graph().heads(), ["aaaaaaaaaaaa"]);
        assert_eq!(migrator.schema(), Some("app"));
        assert_eq!(migrator.bookkeeping().version_table, "app_version");
    }

    #[test]
    fn a_binary_older_than_its_folder_refuses_to_run_and_says_what_changed() {
        let dir = temp_dir("stale");
        std::fs::write(dir.join("1_init.sql"), INIT).unwrap();
        std::fs::write(dir.join("2_added.sql"), "-- later").unwrap();
        std::fs::write(dir.join("README.md"), "notes are not migrations").unwrap();
        let files: &'static [EmbeddedFile] = Box::leak(Box::new([
            EmbeddedFile {
                path: "versions/1_init.sql",
                text: INIT,
            },
            EmbeddedFile {
                path: "versions/0_removed.sql",
                text: "",
            },
        ]));
        let embedded = EmbeddedMigrations::__new(
            leak(dir.display().to_string()),
            files,
            &[],
            Settings::DEFAULT,
        );
        let err = embedded.migrator().unwrap_err();
        assert!(
            matches!(&err, EmbedError::Stale { added, removed, .. }
                if added == &["2_added.sql"] && removed == &["0_removed.sql"]),
            "{err}"
        );
        assert!(err.to_string().contains("rerun-if-changed"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
