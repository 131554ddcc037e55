//! The connection checks: can we log in, which server is it, is TLS in use.

use sqlx::PgConnection;

use super::{describe, Check, Status, Transport};
use crate::database;

/// Connects (read-only session) and records the `connection` check.
pub(super) async fn connect(url: &str, checks: &mut Vec<Check>) -> Option<PgConnection> {
    let mut connection = match database::connect(url, None).await {
        Ok(connection) => connection,
        Err(e) => {
            checks.push(Check::new("connection", Status::Fail, e.to_string()));
            return None;
        }
    };
    let about: Result<(String, String, String), _> = sqlx::query_as(
        "SELECT current_setting('server_version'), current_user::text, current_database()::text",
    )
    .fetch_one(&mut connection)
    .await;
    let read_only = sqlx::query("SET default_transaction_read_only = on")
        .execute(&mut connection)
        .await;
    match (about, read_only) {
        (Ok((version, user, database)), Ok(_)) => {
            let shown = database::redact_url(url);
            checks.push(Check::new(
                "connection",
                Status::Ok,
                format!("PostgreSQL {version}, database `{database}` as `{user}` ({shown})"),
            ));
            Some(connection)
        }
        (Err(e), _) | (_, Err(e)) => {
            checks.push(Check::new(
                "connection",
                Status::Fail,
                format!("connected, but cannot query the server: {}", describe(&e)),
            ));
            None
        }
    }
}

/// Whether this session is encrypted (pg_stat_ssl).
pub(super) async fn tls(connection: &mut PgConnection, transport: Transport) -> Check {
    let row: Result<Option<(bool, Option<String>)>, _> =
        sqlx::query_as("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_optional(connection)
            .await;
    match (row, transport) {
        (Err(e), _) => Check::new("tls", Status::Warn, format!("cannot tell whether TLS is in use: {}", describe(&e))),
        (Ok(Some((true, version))), _) => {
            Check::new("tls", Status::Ok, format!("in use ({})", version.unwrap_or_else(|| "TLS".to_string())))
        }
        (Ok(_), Transport::PortForward) => Check::new(
            "tls",
            Status::Ok,
            "not in use on the forwarded connection, which travels inside kubectl's TLS connection to the API server",
        ),
        (Ok(_), Transport::Direct) => Check::new(
            "tls",
            Status::Warn,
            "not in use: the connection is not encrypted; add sslmode=require (or verify-full) to the URL",
        ),
    }
}
