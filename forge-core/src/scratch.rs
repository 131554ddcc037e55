//! Scratch databases: created under a unique name on a server, dropped on
//! every path (also when the code using one panics). The migrations are built
//! in one to compare what they produce with the models, with no deployed
//! database involved (`migrate check --scratch`, `forge::testing`).

// Errors carry the runner's (revision, file, line, the server's words); they
// are the cold path, so their size does not matter (as in the runner).
#![allow(clippy::result_large_err)]

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, Executor, PgConnection};

use crate::autogenerate::{self, AutogenerateError};
use crate::database::{self, quote_identifier, ConnectError};
use crate::diff::Change;
use crate::embedded::{describe, MigrationSession};
use crate::graph::RevisionSpec;
use crate::model::Schema;
use crate::runner::{Migrator, RunnerError, UpgradeOptions};

/// What can go wrong with a scratch database or the migrations built in it.
#[derive(Debug, thiserror::Error)]
pub enum ScratchError {
    #[error(transparent)]
    Connect(#[from] ConnectError),

    #[error("cannot create a scratch database on {server}: {message}; the user needs the CREATEDB privilege, or another server must be used")]
    CreateRefused {
        server: String,
        message: String,
        #[source]
        source: sqlx::Error,
    },

    #[error("cannot create schema `{schema}` in the scratch database: {message}")]
    SchemaRefused {
        schema: String,
        message: String,
        #[source]
        source: sqlx::Error,
    },

    #[error("the migrations fail in an empty database: {0}")]
    Migrations(#[source] RunnerError),

    #[error("cannot compare the schema the migrations build with the models: {0}")]
    Compare(#[from] AutogenerateError),
}

impl ScratchError {
    /// The SQLSTATE the server answered with, when the server refused something.
    pub fn sqlstate(&self) -> Option<String> {
        let source = match self {
            ScratchError::CreateRefused { source, .. }
            | ScratchError::SchemaRefused { source, .. } => source,
            _ => return None,
        };
        source
            .as_database_error()
            .and_then(|e| e.code())
            .map(|c| c.into_owned())
    }
}

/// A database that exists until this value is dropped.
pub struct ScratchDatabase {
    name: String,
    options: PgConnectOptions,
    admin: PgConnectOptions,
    dropped: bool,
}

impl ScratchDatabase {
    /// Creates an empty database named `<prefix>_<pid>_<n>_<random>` on the
    /// server of `server_url` (any database of it: the URL's own, or
    /// `postgres` when that one does not exist yet).
    pub async fn create(server_url: &str, prefix: &str) -> Result<Self, ScratchError> {
        let (mut admin, admin_options) = connect_to_server(server_url).await?;
        let name = unique_name(prefix);
        let created = admin
            .execute(format!("CREATE DATABASE {}", quote_identifier(&name)).as_str())
            .await;
        let _ = admin.close().await;
        if let Err(source) = created {
            return Err(ScratchError::CreateRefused {
                server: database::redact_url(server_url),
                message: server_message(&source),
                source,
            });
        }
        Ok(ScratchDatabase {
            options: admin_options.clone().database(&name),
            name,
            admin: admin_options,
            dropped: false,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// How to connect to it (the server URL's user and password).
    pub fn connect_options(&self) -> PgConnectOptions {
        self.options.clone()
    }

    /// Creates `schema` unless it exists (a fresh database has only `public`).
    pub async fn ensure_schema(&self, schema: &str) -> Result<(), ScratchError> {
        let mut connection =
            database::connect_with(&describe(&self.options), self.options.clone(), None).await?;
        let result = connection
            .execute(format!("CREATE SCHEMA IF NOT EXISTS {}", quote_identifier(schema)).as_str())
            .await;
        let _ = connection.close().await;
        result
            .map(drop)
            .map_err(|source| ScratchError::SchemaRefused {
                schema: schema.to_string(),
                message: server_message(&source),
                source,
            })
    }

    /// Drops the database now, ending its sessions.
    pub async fn drop_now(mut self) {
        self.dropped = true;
        drop_database(&self.admin, &self.name).await;
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // Drop may run inside an async runtime (even while a test unwinds),
        // which cannot be blocked on: a private runtime on its own thread.
        let admin = self.admin.clone();
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(drop_database(&admin, &name));
            Some(())
        })
        .join();
    }
}

async fn drop_database(admin: &PgConnectOptions, name: &str) {
    if let Ok(mut connection) = PgConnection::connect_with(admin).await {
        let _ = connection
            .execute(
                format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    quote_identifier(name)
                )
                .as_str(),
            )
            .await;
        let _ = connection.close().await;
    }
}

/// A session on the server: the URL's database, or `postgres` when the URL
/// names one that does not exist (yet).
async fn connect_to_server(
    server_url: &str,
) -> Result<(PgConnection, PgConnectOptions), ConnectError> {
    let options = database::parse_url(server_url)?;
    match database::connect_with(server_url, options.clone(), None).await {
        Ok(connection) => Ok((connection, options)),
        Err(ConnectError::MissingDatabase { .. }) => {
            let options = options.database("postgres");
            let connection = database::connect_with(server_url, options.clone(), None).await?;
            Ok((connection, options))
        }
        Err(e) => Err(e),
    }
}

fn server_message(error: &sqlx::Error) -> String {
    match error.as_database_error() {
        Some(db) => db.message().to_string(),
        None => database::redact_text(&error.to_string()),
    }
}

fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        &random[..8]
    )
}

/// The changes that would bring what `migrator`'s migrations build in an empty
/// database (on the server of `server_url`) to `models`: empty when the
/// migration files and the models agree. The scratch database is dropped
/// afterwards, whatever happened.
pub async fn changes_against_migrations(
    migrator: &Migrator,
    server_url: &str,
    models: &Schema,
) -> Result<Vec<Change>, ScratchError> {
    let scratch = ScratchDatabase::create(server_url, "forge_scratch").await?;
    let result = build_and_compare(&scratch, migrator, models).await;
    scratch.drop_now().await;
    result
}

async fn build_and_compare(
    scratch: &ScratchDatabase,
    migrator: &Migrator,
    models: &Schema,
) -> Result<Vec<Change>, ScratchError> {
    let schema = migrator.schema().unwrap_or(crate::settings::DEFAULT_SCHEMA);
    scratch.ensure_schema(schema).await?;
    let mut session = MigrationSession::connect(scratch.connect_options(), schema).await?;
    let applied = migrator
        .upgrade_with(
            session.runner(),
            &RevisionSpec::Heads,
            &UpgradeOptions::default(),
            &mut (),
        )
        .await;
    let changes = match applied {
        Ok(_) => autogenerate::changes(
            &mut session.connection,
            schema,
            &migrator.bookkeeping().version_table,
            models,
        )
        .await
        .map_err(ScratchError::from),
        Err(e) => Err(ScratchError::Migrations(e)),
    };
    session.close().await;
    changes
}
