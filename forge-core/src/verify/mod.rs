//! `verify`: checks a deployed database against what the project expects —
//! connection, TLS, the schema and its owner, the application roles, the
//! migration state, invalid indexes and drift — as a list of OK / WARN /
//! FAIL / SKIP lines.
//! Read-only: the session is set read-only before the first check.

mod drift;
mod indexes;
mod migrations;
mod roles;
mod server;

use std::path::PathBuf;

use serde::Serialize;

use crate::model::Schema;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Ok,
    Skip,
    Warn,
    Fail,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Skip => "SKIP",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub status: Status,
    pub detail: String,
}

impl Check {
    pub fn new(name: impl Into<String>, status: Status, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            status,
            detail: detail.into(),
        }
    }
}

/// How the connection reaches the server: a kubectl port-forward is already
/// encrypted by the API server's TLS, a direct connection is not unless it
/// negotiates TLS itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    Direct,
    PortForward,
}

/// What the project expects of the deployment (forge.toml's [database],
/// [migrations] and [verify]).
#[derive(Debug, Clone)]
pub struct Expectations {
    pub schema: String,
    pub schema_owner: Option<String>,
    pub app_user: Option<String>,
    pub readonly_user: Option<String>,
    pub migrations_dir: PathBuf,
    pub version_table: String,
    /// The models' schema; `None` when the binary cannot tell (drift is skipped).
    pub models: Option<Schema>,
    /// `[autogenerate] exclude`: what the drift check leaves alone.
    pub exclude: crate::introspect::Exclusions,
    pub transport: Transport,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub ok: usize,
    pub warn: usize,
    pub fail: usize,
    pub skip: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for check in &self.checks {
            match check.status {
                Status::Ok => summary.ok += 1,
                Status::Warn => summary.warn += 1,
                Status::Fail => summary.fail += 1,
                Status::Skip => summary.skip += 1,
            }
        }
        summary
    }

    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.status == Status::Fail)
    }
}

/// Runs every check against `url`. A connection failure is a FAIL line and
/// the checks that need the connection are skipped, saying why.
pub async fn verify(url: &str, expect: &Expectations) -> Report {
    let mut checks = Vec::new();
    let mut connection = match server::connect(url, &mut checks).await {
        Some(connection) => connection,
        None => {
            for name in ["tls", "schema", "roles", "migrations", "indexes", "drift"] {
                checks.push(Check::new(name, Status::Skip, "no connection"));
            }
            return Report { checks };
        }
    };
    checks.push(server::tls(&mut connection, url, expect.transport).await);
    let schema_exists = roles::schema(&mut connection, expect, &mut checks).await;
    roles::roles(&mut connection, expect, &mut checks).await;
    if schema_exists {
        let pending = migrations::state(&mut connection, expect, &mut checks).await;
        checks.push(indexes::indexes(&mut connection).await);
        checks.push(drift::drift(&mut connection, expect, pending).await);
    } else {
        checks.push(Check::new(
            "migrations",
            Status::Skip,
            format!("schema `{}` does not exist", expect.schema),
        ));
        checks.push(indexes::indexes(&mut connection).await);
        checks.push(Check::new(
            "drift",
            Status::Skip,
            format!("schema `{}` does not exist", expect.schema),
        ));
    }
    let _ = sqlx::Connection::close(connection).await;
    Report { checks }
}

/// A database error as a check detail (driver messages carry no password, but
/// a URL inside one is redacted anyway).
fn describe(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => crate::terminal::escape_controls(db.message()).into_owned(),
        other => crate::database::redact_text(&other.to_string()),
    }
}
