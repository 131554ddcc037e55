//! A throwaway project directory (forge.toml + migrations/versions) pointing at
//! a test database, and a way to run the example app's `api-forge-cli` in it as
//! a user would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::TestDatabase;

/// A temporary directory removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        let random = uuid::Uuid::new_v4().simple().to_string();
        let path =
            std::env::temp_dir().join(format!("{prefix}-{}-{}", std::process::id(), &random[..10]));
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A project folder whose forge.toml points at a test database.
pub struct Project {
    pub dir: TempDir,
    pub database_url: String,
}

/// What a CLI run produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with the whole output unless the run exited with `code`.
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "expected exit {code}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn success(self) -> Run {
        self.expect_code(0)
    }
}

impl Project {
    /// A project using `db`, with an empty migrations/versions folder.
    pub fn new(db: &TestDatabase) -> Project {
        Self::with_url(&db.url)
    }

    pub fn with_url(database_url: &str) -> Project {
        let dir = TempDir::new("forge-project");
        std::fs::create_dir_all(dir.path().join("migrations/versions")).unwrap();
        let project = Project {
            dir,
            database_url: database_url.to_string(),
        };
        project.write_config("");
        project
    }

    /// Rewrites forge.toml with the database URL and `extra` TOML appended.
    pub fn write_config(&self, extra: &str) {
        let text = format!("[database]\nurl = \"{}\"\n{extra}", self.database_url);
        std::fs::write(self.dir.path().join("forge.toml"), text).unwrap();
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn versions_dir(&self) -> PathBuf {
        self.dir.path().join("migrations/versions")
    }

    /// The revision files, sorted by name.
    pub fn version_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.versions_dir())
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "sql"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }

    /// A `Command` for the example app's binary, run in this project with a
    /// clean environment (no DATABASE_URL from the caller's shell).
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_of(&crate::example_cli(), args)
    }

    /// [`Project::command`] for another app's binary (`crate::legacy_cli()`).
    pub fn command_of(&self, binary: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(binary);
        command
            .args(args)
            .current_dir(self.path())
            .env_remove("DATABASE_URL")
            .env_remove("K8S_NAMESPACE")
            .env_remove("POSTGRES_PASSWORD");
        command
    }

    /// Runs the example app's CLI in this project and collects its output.
    pub fn cli(&self, args: &[&str]) -> Run {
        self.cli_of(&crate::example_cli(), args)
    }

    /// [`Project::cli`] for another app's binary.
    pub fn cli_of(&self, binary: &Path, args: &[&str]) -> Run {
        let output: Output = self
            .command_of(binary, args)
            .output()
            .expect("run the app's CLI");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}
