//! Connecting to the database: one place that turns a URL into a session with
//! the configured schema on its search path, and turns connection failures into
//! one sentence that says what to do, never showing the password.

mod url;

use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, Row};

use crate::terminal::escape_controls;

pub use self::url::{
    encode as encode_url_component, encoding_hint, has_password, has_ssl_mode, parse_url,
    redact_text, redact_url, user_of, with_password, Backend,
};

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("`{url}` is not a valid database URL ({reason}); expected postgres://user[:password]@host[:port]/database")]
    InvalidUrl { url: String, reason: String },
    #[error("`{scheme}://` URLs are not supported: Forge works with PostgreSQL (postgres:// or postgresql://); SQLite and MySQL are not available yet")]
    UnsupportedScheme { scheme: String },
    #[error("cannot reach the database server at {url}: {reason}; check that it is running and the host and port are right{}", encoding_note(.url_hint))]
    Unreachable {
        url: String,
        reason: String,
        url_hint: Option<&'static str>,
    },
    #[error("TLS with the database server at {url} failed: {reason}; if the server's certificate is signed by your own CA, name it with sslrootcert=PATH in the URL, or use sslmode=require to encrypt without verifying the certificate")]
    Tls { url: String, reason: String },
    #[error("the database server at {url} refused the credentials: {reason}; check the user and password{}", encoding_note(.url_hint))]
    Authentication {
        url: String,
        reason: String,
        url_hint: Option<&'static str>,
    },
    #[error("database {database} does not exist on {url}; create it (createdb {database}) or fix the URL")]
    MissingDatabase { url: String, database: String },
    #[error("schema `{schema}` does not exist in {url}; create it (CREATE SCHEMA \"{schema}\") or fix [database] schema in forge.toml")]
    MissingSchema { url: String, schema: String },
    #[error("user `{user}` may not use schema `{schema}` in {url} (no USAGE privilege); grant it (GRANT USAGE, CREATE ON SCHEMA {} TO {}) or connect as a user that has it", quote_identifier(.schema), quote_identifier(.user))]
    SchemaPrivilege {
        url: String,
        schema: String,
        user: String,
    },
    #[error("cannot connect to {url}: {reason}")]
    Other { url: String, reason: String },
}

fn encoding_note(hint: &Option<&'static str>) -> String {
    hint.map(|h| format!("; {h}")).unwrap_or_default()
}

/// How long a connection attempt may take before it is reported as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens one session to `url`. When `schema` is given, it must exist, the
/// user must be allowed to use it, and it becomes the session's search_path,
/// so unqualified names land in it.
pub async fn connect(url: &str, schema: Option<&str>) -> Result<PgConnection, ConnectError> {
    connect_with(url, parse_url(url)?, schema).await
}

/// Opens one session with prepared options (`url` only names it in errors).
pub async fn connect_with(
    url: &str,
    options: PgConnectOptions,
    schema: Option<&str>,
) -> Result<PgConnection, ConnectError> {
    let shown = redact_url(url);
    let database = options.get_database().unwrap_or("").to_string();
    let mut connection =
        match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
            Err(_) => {
                return Err(ConnectError::Unreachable {
                    url: shown,
                    reason: format!("no answer within {}s", CONNECT_TIMEOUT.as_secs()),
                    url_hint: encoding_hint(url),
                })
            }
            Ok(Err(e)) => return Err(classify(e, url, shown, database)),
            Ok(Ok(connection)) => connection,
        };
    if let Some(schema) = schema {
        if let Err(e) = use_schema(&mut connection, schema, &shown).await {
            let _ = connection.close().await;
            return Err(e);
        }
    }
    Ok(connection)
}

/// One round trip: the row exists only if the schema does, selecting it sets
/// the session's search_path, and it says whether the user may use the schema.
async fn use_schema(
    connection: &mut PgConnection,
    schema: &str,
    shown: &str,
) -> Result<(), ConnectError> {
    let sql = format!(
        "SELECT set_config('search_path', {}, false), has_schema_privilege(oid, 'USAGE'), current_user::text \
         FROM pg_namespace WHERE nspname = {}",
        sql_literal(&quote_identifier(schema)),
        sql_literal(schema),
    );
    // Through the Executor method: its future is provably Send (sqlx's
    // `raw_sql(..).fetch_all(..)` is not), so callers can be spawned.
    let rows = sqlx::Executor::fetch_all(&mut *connection, sqlx::raw_sql(&sql))
        .await
        .map_err(|e| ConnectError::Other {
            url: shown.to_string(),
            reason: redact_text(&e.to_string()),
        })?;
    let Some(row) = rows.first() else {
        return Err(ConnectError::MissingSchema {
            url: shown.to_string(),
            schema: schema.to_string(),
        });
    };
    let usable: bool = row.try_get(1).unwrap_or(true);
    if !usable {
        return Err(ConnectError::SchemaPrivilege {
            url: shown.to_string(),
            schema: schema.to_string(),
            user: row.try_get(2).unwrap_or_default(),
        });
    }
    Ok(())
}

fn classify(error: sqlx::Error, url: &str, shown: String, database: String) -> ConnectError {
    let url_hint = encoding_hint(url);
    match &error {
        // rustls reports a certificate it cannot trust as invalid data on the socket.
        sqlx::Error::Io(e) if e.kind() == std::io::ErrorKind::InvalidData => ConnectError::Tls {
            url: shown,
            reason: redact_text(&e.to_string()),
        },
        sqlx::Error::Io(e) => ConnectError::Unreachable {
            url: shown,
            reason: redact_text(&e.to_string()),
            url_hint,
        },
        sqlx::Error::Tls(e) => ConnectError::Tls {
            url: shown,
            reason: redact_text(&e.to_string()),
        },
        sqlx::Error::Database(db) => match db.code().as_deref() {
            // invalid_password, invalid_authorization_specification
            Some("28P01") | Some("28000") => ConnectError::Authentication {
                url: shown,
                reason: escape_controls(db.message()).into_owned(),
                url_hint,
            },
            // invalid_catalog_name
            Some("3D000") => ConnectError::MissingDatabase {
                url: shown,
                database,
            },
            _ => ConnectError::Other {
                url: shown,
                reason: escape_controls(db.message()).into_owned(),
            },
        },
        _ => ConnectError::Other {
            url: shown,
            reason: redact_text(&error.to_string()),
        },
    }
}

/// A SQL string literal (standard_conforming_strings, the default since 9.1).
pub fn sql_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Double-quotes an identifier for PostgreSQL.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_identifier("we\"ird"), "\"we\"\"ird\"");
    }
}
