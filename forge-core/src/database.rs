//! Connecting to the database: one place that turns a URL into a session with
//! the configured schema on its search path, and turns connection failures into
//! one sentence that says what to do, never showing the password.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::{Connection, PgConnection};

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("`{url}` is not a valid PostgreSQL URL ({reason}); expected postgres://user[:password]@host[:port]/database")]
    InvalidUrl { url: String, reason: String },
    #[error("cannot reach the database server at {url}: {reason}; check that it is running and the host and port are right")]
    Unreachable { url: String, reason: String },
    #[error("the database server at {url} refused the credentials: {reason}; check the user and password")]
    Authentication { url: String, reason: String },
    #[error("database {database} does not exist on {url}; create it (createdb {database}) or fix the URL")]
    MissingDatabase { url: String, database: String },
    #[error("schema `{schema}` does not exist in {url}; create it (CREATE SCHEMA \"{schema}\") or fix [database] schema in forge.toml")]
    MissingSchema { url: String, schema: String },
    #[error("cannot connect to {url}: {reason}")]
    Other { url: String, reason: String },
}

/// How long a connection attempt may take before it is reported as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Parses a PostgreSQL URL.
///
/// A URL that names no `sslmode` and points at this machine (a loopback
/// address, `localhost` or a Unix socket) connects without TLS: on loopback TLS
/// protects nothing, and its handshake is most of the cost of a short command
/// such as `migrate current`. Any other host keeps the driver's default
/// (`prefer`), and an explicit `sslmode` always wins.
pub fn parse_url(url: &str) -> Result<PgConnectOptions, ConnectError> {
    let options = url
        .parse::<PgConnectOptions>()
        .map_err(|e| ConnectError::InvalidUrl {
            url: redact_url(url),
            reason: e.to_string(),
        })?;
    if names_ssl_mode(url) || !is_local_host(options.get_host()) {
        return Ok(options);
    }
    Ok(options.ssl_mode(PgSslMode::Disable))
}

fn names_ssl_mode(url: &str) -> bool {
    url.split_once('?').is_some_and(|(_, query)| {
        query.split('&').any(|pair| {
            pair.split('=')
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case("sslmode"))
        })
    })
}

/// Loopback addresses, `localhost`, and Unix socket directories (a path).
fn is_local_host(host: &str) -> bool {
    host == "localhost"
        || host.starts_with('/')
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Opens one session to `url`. When `schema` is given, it must exist and
/// becomes the session's search_path, so unqualified names land in it.
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
                })
            }
            Ok(Err(e)) => return Err(classify(e, shown, database)),
            Ok(Ok(connection)) => connection,
        };
    if let Some(schema) = schema {
        // One round trip: the row exists only if the schema does, and selecting
        // it sets the session's search_path.
        let sql = format!(
            "SELECT set_config('search_path', {}, false) FROM pg_namespace WHERE nspname = {}",
            sql_literal(&quote_identifier(schema)),
            sql_literal(schema),
        );
        // Through the Executor method: its future is provably Send (sqlx's
        // `raw_sql(..).fetch_all(..)` is not), so callers can be spawned.
        let found = sqlx::Executor::fetch_all(&mut connection, sqlx::raw_sql(&sql))
            .await
            .map_err(|e| ConnectError::Other {
                url: shown.clone(),
                reason: e.to_string(),
            })?;
        if found.is_empty() {
            let _ = connection.close().await;
            return Err(ConnectError::MissingSchema {
                url: shown,
                schema: schema.to_string(),
            });
        }
    }
    Ok(connection)
}

fn classify(error: sqlx::Error, url: String, database: String) -> ConnectError {
    match &error {
        sqlx::Error::Io(e) => ConnectError::Unreachable {
            url,
            reason: e.to_string(),
        },
        sqlx::Error::Tls(e) => ConnectError::Other {
            url,
            reason: format!("TLS failed: {e}"),
        },
        sqlx::Error::Database(db) => match db.code().as_deref() {
            // invalid_password, invalid_authorization_specification
            Some("28P01") | Some("28000") => ConnectError::Authentication {
                url,
                reason: db.message().to_string(),
            },
            // invalid_catalog_name
            Some("3D000") => ConnectError::MissingDatabase { url, database },
            _ => ConnectError::Other {
                url,
                reason: db.message().to_string(),
            },
        },
        _ => ConnectError::Other {
            url,
            reason: redact_text(&error.to_string()),
        },
    }
}

/// The URL with its password replaced by `***` (`postgres://app:***@db/app`).
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    // The authority ends at the first '/', '?' or '#'; user info ends at its last '@'.
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let without_user_password = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    };
    // A password can also come as a query parameter.
    redact_query_password(&without_user_password)
}

fn redact_query_password(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{base}?{}", parts.join("&"))
}

/// Redacts any URL-looking passwords inside free text (driver messages).
pub fn redact_text(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains("://") {
                redact_url(word)
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
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
    fn passwords_never_survive_redaction() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/app"),
            "postgres://app:***@db:5432/app"
        );
        assert_eq!(redact_url("postgres://app@db/app"), "postgres://app@db/app");
        assert_eq!(
            redact_url("postgres://a:p%40ss@db/app?sslmode=require"),
            "postgres://a:***@db/app?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://db/app?user=a&password=s3cret"),
            "postgres://db/app?user=a&password=***"
        );
        assert!(!redact_text("failed for postgres://u:hunter2@h/d here").contains("hunter2"));
    }

    #[test]
    fn loopback_urls_without_an_sslmode_skip_tls_and_others_keep_it() {
        let mode = |url: &str| format!("{:?}", parse_url(url).unwrap().get_ssl_mode());
        assert_eq!(mode("postgres://u@127.0.0.1:5432/d"), "Disable");
        assert_eq!(mode("postgres://u@localhost/d"), "Disable");
        assert_eq!(mode("postgres://u@[::1]:5432/d"), "Disable");
        assert_eq!(mode("postgres://u@127.0.0.1/d?sslmode=require"), "Require");
        assert_eq!(mode("postgres://u@db.example.com/d"), "Prefer");
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_identifier("we\"ird"), "\"we\"\"ird\"");
    }
}
