//! The settings an app's code shares with `forge.toml` (where the tables live,
//! how the runs are recorded, where the files are), and their defaults: the
//! CLI's configuration and `forge::migrations!` start from the same values, so
//! an app migrating itself and the CLI record and lock alike.

/// The configuration file, looked for in a directory and then its parents.
pub const CONFIG_FILE: &str = "forge.toml";

/// `[database] schema`: the PostgreSQL schema the tables live in.
pub const DEFAULT_SCHEMA: &str = "public";

/// `[migrations] dir`: the migration files, relative to `forge.toml`.
pub const DEFAULT_MIGRATIONS_DIR: &str = "migrations/versions";

/// `[migrations] version_table` (the history table is named after it).
pub const DEFAULT_VERSION_TABLE: &str = "forge_version";
