//! The directory of migration files (`migrations/versions`), read as a whole.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::error::ScriptError;
use super::migration::MigrationScript;

/// Every migration of a directory, sorted by file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptDirectory {
    pub dir: PathBuf,
    pub scripts: Vec<MigrationScript>,
}

impl ScriptDirectory {
    /// Parses every `*.sql` file of `dir` (other files, such as a README, and
    /// subdirectories are ignored). The first broken file is the error.
    pub fn load(dir: &Path) -> Result<Self, ScriptError> {
        if !dir.is_dir() {
            return Err(ScriptError::MissingDirectory {
                dir: dir.to_path_buf(),
            });
        }
        let io = |source| ScriptError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|e| e == "sql") && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        let scripts = paths
            .iter()
            .map(|p| MigrationScript::from_file(p))
            .collect::<Result<_, _>>()?;
        Self::from_scripts(dir.to_path_buf(), scripts)
    }

    /// Migrations that come from elsewhere (e.g. embedded in a binary); checks
    /// that no revision id is used twice.
    pub fn from_scripts(
        dir: PathBuf,
        mut scripts: Vec<MigrationScript>,
    ) -> Result<Self, ScriptError> {
        scripts.sort_by(|a, b| a.path.cmp(&b.path));
        check_unique_revisions(&scripts)?;
        Ok(ScriptDirectory { dir, scripts })
    }

    pub fn get(&self, revision: &str) -> Option<&MigrationScript> {
        self.scripts.iter().find(|s| s.revision == revision)
    }

    pub fn is_empty(&self) -> bool {
        self.scripts.is_empty()
    }
}

/// Two files with one id would make the graph (and the version table) ambiguous.
fn check_unique_revisions(scripts: &[MigrationScript]) -> Result<(), ScriptError> {
    let mut seen: HashMap<&str, &Path> = HashMap::new();
    for script in scripts {
        if let Some(first) = seen.insert(&script.revision, &script.path) {
            return Err(ScriptError::DuplicateRevision {
                revision: script.revision.clone(),
                first: first.to_path_buf(),
                second: script.path.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A fresh, empty directory under the system temp dir, removed when dropped.
    pub(crate) struct TempDir(pub PathBuf);

    impl TempDir {
        pub(crate) fn new(name: &str) -> Self {
            let path = std::env::temp_dir().join(format!(
                "forge-{name}-{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ));
            std::fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn file(id: &str, parents: &str) -> String {
        format!("-- forge:revision {id}\n-- forge:parents {parents}\n-- forge:upgrade\nSELECT 1;\n")
    }

    #[test]
    fn loads_every_sql_file_sorted_by_name_and_ignores_the_rest() {
        let dir = TempDir::new("load");
        std::fs::write(
            dir.0.join("20250102_0000_b.sql"),
            file("bbbbbbbbbbbb", "aaaaaaaaaaaa"),
        )
        .unwrap();
        std::fs::write(dir.0.join("20250101_0000_a.sql"), file("aaaaaaaaaaaa", "")).unwrap();
        std::fs::write(dir.0.join("README.md"), "# notes").unwrap();
        std::fs::create_dir(dir.0.join("old.sql")).unwrap();
        let loaded = ScriptDirectory::load(&dir.0).unwrap();
        let ids: Vec<_> = loaded.scripts.iter().map(|s| s.revision.as_str()).collect();
        assert_eq!(ids, ["aaaaaaaaaaaa", "bbbbbbbbbbbb"]);
        assert_eq!(
            loaded.get("bbbbbbbbbbbb").unwrap().parents,
            ["aaaaaaaaaaaa"]
        );
    }

    #[test]
    fn an_empty_directory_has_no_scripts() {
        let dir = TempDir::new("empty");
        assert!(ScriptDirectory::load(&dir.0).unwrap().is_empty());
    }

    #[test]
    fn two_files_with_one_revision_name_both() {
        let dir = TempDir::new("dup");
        std::fs::write(dir.0.join("1_a.sql"), file("aaaaaaaaaaaa", "")).unwrap();
        std::fs::write(dir.0.join("2_a.sql"), file("aaaaaaaaaaaa", "")).unwrap();
        let err = ScriptDirectory::load(&dir.0).unwrap_err().to_string();
        assert!(
            err.starts_with("revision aaaaaaaaaaaa is defined twice, in "),
            "{err}"
        );
        assert!(
            err.contains("1_a.sql and ") && err.contains("2_a.sql;"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_directory_is_a_clear_error() {
        let err = ScriptDirectory::load(Path::new("/nonexistent/forge/versions"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "the migrations directory /nonexistent/forge/versions does not exist; create it or set `[migrations] dir` in forge.toml"
        );
    }

    #[test]
    fn a_broken_file_fails_the_load_with_its_name() {
        let dir = TempDir::new("broken");
        std::fs::write(dir.0.join("a.sql"), "-- forge:upgrade\n").unwrap();
        let err = ScriptDirectory::load(&dir.0).unwrap_err().to_string();
        assert!(
            err.contains("a.sql: no `-- forge:revision` header"),
            "{err}"
        );
    }
}
