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

/// Whether this session is encrypted, judged by what the connection actually
/// uses (pg_stat_ssl, the server's address for this session) and why (what
/// the URL asked for, or what Forge chose for a loopback URL).
pub(super) async fn tls(connection: &mut PgConnection, url: &str, transport: Transport) -> Check {
    let row: Result<Option<SessionTls>, _> = sqlx::query_as(
        "SELECT s.ssl, s.version, s.cipher, host(inet_server_addr()) \
             FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()",
    )
    .fetch_optional(connection)
    .await;
    match row {
        Err(e) => Check::new(
            "tls",
            Status::Warn,
            format!("cannot tell whether TLS is in use: {}", describe(&e)),
        ),
        Ok(row) => {
            let (in_use, version, cipher, address) = row.unwrap_or((false, None, None, None));
            let facts = TlsFacts {
                in_use,
                protocol: version,
                cipher,
                server: match address {
                    None => Endpoint::UnixSocket,
                    Some(text) => Endpoint::Address(text),
                },
                requested: requested(url),
                transport,
            };
            let (status, detail) = verdict(&facts);
            Check::new("tls", status, detail)
        }
    }
}

/// pg_stat_ssl's `ssl`, `version`, `cipher`, and the server's address of the session.
type SessionTls = (bool, Option<String>, Option<String>, Option<String>);

/// What a session's TLS verdict rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TlsFacts {
    pub in_use: bool,
    pub protocol: Option<String>,
    pub cipher: Option<String>,
    /// The server's end of this session.
    pub server: Endpoint,
    pub requested: Requested,
    pub transport: Transport,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    UnixSocket,
    Address(String),
}

impl Endpoint {
    fn is_local(&self) -> bool {
        match self {
            Endpoint::UnixSocket => true,
            Endpoint::Address(text) => text
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback()),
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::UnixSocket => f.write_str("a Unix socket"),
            Endpoint::Address(address) => f.write_str(address),
        }
    }
}

/// Why the session is (not) encrypted, from the client's side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Requested {
    /// The URL names `sslmode` (its value, lowercase).
    SslMode(String),
    /// A loopback URL without `sslmode`: Forge connects without TLS.
    LoopbackWithoutTls,
    /// No `sslmode`: the driver's default, `prefer` (TLS if the server offers it).
    Prefer,
}

fn requested(url: &str) -> Requested {
    let named = url.split_once('?').and_then(|(_, query)| {
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            key.eq_ignore_ascii_case("sslmode")
                .then(|| value.to_ascii_lowercase())
        })
    });
    match named {
        Some(mode) => Requested::SslMode(mode),
        None if database::parse_url(url)
            .is_ok_and(|o| matches!(o.get_ssl_mode(), sqlx::postgres::PgSslMode::Disable)) =>
        {
            Requested::LoopbackWithoutTls
        }
        None => Requested::Prefer,
    }
}

/// OK when the session is encrypted, travels inside kubectl's tunnel, or
/// never leaves this machine; WARN when it crosses a network in the clear.
pub(crate) fn verdict(facts: &TlsFacts) -> (Status, String) {
    if facts.in_use {
        let mut detail = format!(
            "in use ({}{})",
            facts.protocol.as_deref().unwrap_or("TLS"),
            facts
                .cipher
                .as_deref()
                .map(|c| format!(", {c}"))
                .unwrap_or_default()
        );
        if let Requested::SslMode(mode) = &facts.requested {
            detail.push_str(&format!("; the URL asks for sslmode={mode}"));
        }
        return (Status::Ok, detail);
    }
    if facts.transport == Transport::PortForward {
        return (
            Status::Ok,
            "not in use on the forwarded connection, which travels inside kubectl's TLS connection to the API server".to_string(),
        );
    }
    let why = match &facts.requested {
        Requested::SslMode(mode) => format!("the URL says sslmode={mode}"),
        Requested::LoopbackWithoutTls => {
            "Forge connects to a loopback address without TLS unless the URL sets sslmode"
                .to_string()
        }
        Requested::Prefer => {
            "the server offers no TLS and sslmode=prefer (the default) accepts that".to_string()
        }
    };
    if facts.server.is_local() {
        (
            Status::Ok,
            format!(
                "not in use, and not needed: the connection stays on this machine ({}); {why}",
                facts.server
            ),
        )
    } else {
        (
            Status::Warn,
            format!(
                "not in use: the connection to {} crosses the network unencrypted ({why}); add sslmode=require (or verify-full) to the URL",
                facts.server
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(in_use: bool, server: &str, requested: Requested) -> TlsFacts {
        TlsFacts {
            in_use,
            protocol: in_use.then(|| "TLSv1.3".to_string()),
            cipher: in_use.then(|| "TLS_AES_256_GCM_SHA384".to_string()),
            server: if server.is_empty() {
                Endpoint::UnixSocket
            } else {
                Endpoint::Address(server.to_string())
            },
            requested,
            transport: Transport::Direct,
        }
    }

    #[test]
    fn what_the_url_asks_for_is_read_from_it() {
        assert_eq!(
            requested("postgres://u@127.0.0.1/d"),
            Requested::LoopbackWithoutTls
        );
        assert_eq!(
            requested("postgres://u@db.example.com/d"),
            Requested::Prefer
        );
        assert_eq!(
            requested("postgres://u@127.0.0.1/d?application_name=x&SSLMODE=Require"),
            Requested::SslMode("require".to_string())
        );
    }

    #[test]
    fn an_encrypted_session_is_ok_and_says_how() {
        let (status, detail) = verdict(&facts(
            true,
            "10.0.0.5",
            Requested::SslMode("require".into()),
        ));
        assert_eq!(status, Status::Ok);
        assert_eq!(
            detail,
            "in use (TLSv1.3, TLS_AES_256_GCM_SHA384); the URL asks for sslmode=require"
        );
    }

    #[test]
    fn a_session_that_stays_on_this_machine_needs_no_tls() {
        let (status, detail) = verdict(&facts(false, "127.0.0.1", Requested::LoopbackWithoutTls));
        assert_eq!(status, Status::Ok);
        assert!(
            detail.contains("stays on this machine (127.0.0.1)"),
            "{detail}"
        );
        assert!(
            detail.contains("Forge connects to a loopback address without TLS"),
            "{detail}"
        );
        let (status, detail) = verdict(&facts(false, "", Requested::Prefer));
        assert_eq!(status, Status::Ok);
        assert!(detail.contains("(a Unix socket)"), "{detail}");
        assert_eq!(
            verdict(&facts(false, "::1", Requested::SslMode("disable".into()))).0,
            Status::Ok
        );
    }

    #[test]
    fn a_session_across_the_network_in_the_clear_is_a_warning_that_says_why() {
        let (status, detail) = verdict(&facts(false, "10.0.0.5", Requested::Prefer));
        assert_eq!(status, Status::Warn);
        assert!(
            detail.contains("10.0.0.5 crosses the network unencrypted"),
            "{detail}"
        );
        assert!(detail.contains("sslmode=prefer (the default)"), "{detail}");
        let (status, detail) = verdict(&facts(
            false,
            "10.0.0.5",
            Requested::SslMode("disable".into()),
        ));
        assert_eq!(status, Status::Warn);
        assert!(detail.contains("the URL says sslmode=disable"), "{detail}");
    }

    #[test]
    fn a_forwarded_session_rides_kubectls_tunnel() {
        let mut forwarded = facts(false, "127.0.0.1", Requested::LoopbackWithoutTls);
        forwarded.transport = Transport::PortForward;
        let (status, detail) = verdict(&forwarded);
        assert_eq!(status, Status::Ok);
        assert!(detail.contains("kubectl's TLS connection"), "{detail}");
    }
}
