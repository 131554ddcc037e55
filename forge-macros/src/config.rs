//! The part of `forge.toml` an app's embedded migrations share with the CLI:
//! where the files are, the schema and the version table. Read at compile time
//! from the `forge.toml` nearest to the crate (its folder, then the parents),
//! as the CLI finds it from the project's folder.

use std::path::{Path, PathBuf};

use forge_core::settings;
use serde::Deserialize;

/// The settings found, and the file they came from.
#[derive(Debug)]
pub struct Config {
    pub file: Option<PathBuf>,
    pub schema: String,
    pub version_table: String,
    /// `[migrations] dir`, resolved against the file's folder.
    pub migrations_dir: Option<PathBuf>,
}

/// Only the keys the embedded migrations use; the CLI validates the rest.
#[derive(Deserialize, Default)]
struct File {
    #[serde(default)]
    database: Database,
    #[serde(default)]
    migrations: Migrations,
}

#[derive(Deserialize, Default)]
struct Database {
    schema: Option<String>,
}

#[derive(Deserialize, Default)]
struct Migrations {
    dir: Option<PathBuf>,
    version_table: Option<String>,
}

/// Reads the nearest `forge.toml` above `start`, or the defaults when there is none.
pub fn load(start: &Path) -> Result<Config, String> {
    let Some(path) = start
        .ancestors()
        .map(|dir| dir.join(settings::CONFIG_FILE))
        .find(|p| p.is_file())
    else {
        return Ok(Config {
            file: None,
            schema: settings::DEFAULT_SCHEMA.to_string(),
            version_table: settings::DEFAULT_VERSION_TABLE.to_string(),
            migrations_dir: None,
        });
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file: File = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(1);
        format!(
            "{}:{line}: {}",
            path.display(),
            e.message().trim().replace('\n', " ")
        )
    })?;
    let root = path.parent().unwrap_or(Path::new("."));
    Ok(Config {
        migrations_dir: file.migrations.dir.map(|dir| root.join(dir)),
        schema: file
            .database
            .schema
            .unwrap_or_else(|| settings::DEFAULT_SCHEMA.to_string()),
        version_table: file
            .migrations
            .version_table
            .unwrap_or_else(|| settings::DEFAULT_VERSION_TABLE.to_string()),
        file: Some(path),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("forge-macros-config-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("crates/app")).unwrap();
        dir
    }

    #[test]
    fn the_nearest_forge_toml_above_the_crate_gives_the_settings() {
        let root = temp_dir("nearest");
        std::fs::write(
            root.join("forge.toml"),
            "[database]\nurl = \"ignored here\"\nschema = \"shop\"\n\n[migrations]\ndir = \"db/versions\"\nversion_table = \"shop_version\"\n\n[k8s]\nnamespace = \"the CLI's business\"\n",
        )
        .unwrap();
        let config = load(&root.join("crates/app")).unwrap();
        assert_eq!(config.file, Some(root.join("forge.toml")));
        assert_eq!(config.schema, "shop");
        assert_eq!(config.version_table, "shop_version");
        assert_eq!(config.migrations_dir, Some(root.join("db/versions")));
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_broken_forge_toml_names_its_line() {
        let root = temp_dir("broken");
        std::fs::write(root.join("forge.toml"), "[database]\nschema = 42\n").unwrap();
        let err = load(&root.join("crates/app")).unwrap_err();
        assert!(
            err.starts_with(&format!("{}:2: ", root.join("forge.toml").display())),
            "{err}"
        );
        std::fs::remove_dir_all(root).unwrap();
    }
}
