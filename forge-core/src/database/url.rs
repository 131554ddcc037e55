//! Database URLs: the backend a URL's scheme picks, the connection options it
//! gives, and the URL as it may be shown — never with its password, however
//! the password is written (percent-encoded or not, `@ : / % # ? & =`, spaces,
//! any script).
//!
//! URLs are read by a real URL library (`url`, the one sqlx parses with), so
//! Forge and the driver agree on where the user info ends. A password that
//! contains `/`, `?` or `#` unencoded cannot be read that way: the library
//! ends the host part at that character. For display, such a URL (and any URL
//! the library cannot parse) has everything between `://` and its last `@`
//! hidden.

use std::borrow::Cow;

use ::url::Url;
use percent_encoding::percent_decode_str;
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::ConnectOptions;

use super::ConnectError;

/// The database engines Forge talks to, picked by a URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
}

impl Backend {
    /// The backend a URL scheme names. The one place a new backend (SQLite,
    /// MySQL) is added; any other scheme is refused here, before a connection.
    pub fn from_scheme(scheme: &str) -> Result<Backend, ConnectError> {
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            other => Err(ConnectError::UnsupportedScheme {
                scheme: other.to_string(),
            }),
        }
    }
}

/// What to do when the text before a URL's last `@` holds a character that
/// ends the host part: the usual cause is a password that is not percent-encoded.
const ENCODE_THE_PASSWORD: &str = "if the password contains `/`, `?`, `#`, `%` or spaces, percent-encode it in the URL (/ as %2F, ? as %3F, # as %23, % as %25, space as %20)";

/// Parses a database URL into PostgreSQL connection options.
///
/// A URL that names no `sslmode` (nor does `PGSSLMODE`) and points at this
/// machine (a loopback address, `localhost` or a Unix socket) connects without
/// TLS: on loopback TLS protects nothing, and its handshake is most of the
/// cost of a short command such as `migrate current`. Any other host keeps
/// the driver's default (`prefer`), and an explicit `sslmode` always wins.
///
/// As libpq does, the driver takes what the URL leaves out from the
/// environment: `PGPASSWORD` (a password needs no encoding there), `PGUSER`...
pub fn parse_url(url: &str) -> Result<PgConnectOptions, ConnectError> {
    let invalid = |reason: String| ConnectError::InvalidUrl {
        url: redact_url(url),
        reason: match encoding_hint(url) {
            Some(hint) => format!("{reason}; {hint}"),
            None => reason,
        },
    };
    // url::ParseError's messages never quote the input.
    let parsed = Url::parse(url).map_err(|e| invalid(e.to_string()))?;
    match Backend::from_scheme(parsed.scheme())? {
        Backend::Postgres => {}
    }
    let options =
        PgConnectOptions::from_url(&parsed).map_err(|e| invalid(redact_text(&e.to_string())))?;
    let mode_named = names_ssl_mode(&parsed) || std::env::var_os("PGSSLMODE").is_some();
    if mode_named || !is_local_host(options.get_host()) {
        return Ok(options);
    }
    Ok(options.ssl_mode(PgSslMode::Disable))
}

/// The hint for a URL whose user info the URL library cannot read as written.
pub fn encoding_hint(url: &str) -> Option<&'static str> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (user_info, _) = rest.rsplit_once('@')?;
    user_info
        .contains(['/', '?', '#', ' '])
        .then_some(ENCODE_THE_PASSWORD)
}

fn names_ssl_mode(url: &Url) -> bool {
    url.query_pairs()
        .any(|(key, _)| key.eq_ignore_ascii_case("sslmode") || key.eq_ignore_ascii_case("ssl-mode"))
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

/// The URL with its password replaced by `***` (`postgres://app:***@db/app`),
/// in the user info and in a `password=` parameter.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return hide_before_last_at(&redact_query(url)).into_owned();
    };
    // First the parameter: an '@' inside its value must not pass for the
    // end of the user info.
    let rest = redact_query(rest);
    let url = format!("{scheme}://{rest}");
    let parsed = Url::parse(&url);
    if let Some((user_info, after)) = rest.rsplit_once('@') {
        // The URL library would end the user info earlier (or fail): the
        // password may be anywhere before the last '@'.
        if user_info.contains(['/', '?', '#']) || parsed.is_err() {
            return format!("{scheme}://***@{after}");
        }
    }
    match parsed {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.into()
        }
        // Unreadable and without user info: the would-be host part goes too.
        Err(_) => match rest.find('/') {
            Some(path) => format!("{scheme}://***{}", &rest[path..]),
            None => format!("{scheme}://***"),
        },
    }
}

/// Text that is not a URL (no `://`): anything before its last `@` may be a
/// password.
fn hide_before_last_at(text: &str) -> Cow<'_, str> {
    match text.rsplit_once('@') {
        Some((_, after)) => Cow::Owned(format!("***@{after}")),
        None => Cow::Borrowed(text),
    }
}

/// A `password` query parameter's value hidden, with everything after it:
/// an unencoded `&` or `#` inside the password would otherwise show its tail.
fn redact_query(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let mut kept: Vec<&str> = Vec::new();
    for pair in query.split('&') {
        let key_text = pair.split(['=', '#']).next().unwrap_or("");
        let key: String = ::url::form_urlencoded::parse(key_text.as_bytes())
            .map(|(k, _)| k.into_owned())
            .next()
            .unwrap_or_default();
        if key.eq_ignore_ascii_case("password") {
            kept.push("password=***");
            return format!("{base}?{}", kept.join("&"));
        }
        kept.push(pair);
    }
    url.to_string()
}

/// Free text (a driver's message) with any URL's user info and any
/// `password=` value hidden. Conservative: on a line with `://`, everything
/// between it and the line's last `@` goes.
pub fn redact_text(text: &str) -> String {
    text.split_inclusive('\n').map(redact_line).collect()
}

fn redact_line(line: &str) -> String {
    let line = hide_password_values(line);
    let mut out = String::with_capacity(line.len());
    let mut rest = line.as_str();
    while let Some(start) = rest.find("://") {
        out.push_str(&rest[..start + 3]);
        let after = &rest[start + 3..];
        let url_end = after.find("://").unwrap_or(after.len());
        match after[..url_end].rfind('@') {
            Some(at) => {
                out.push_str("***");
                rest = &after[at..];
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    out
}

/// A `password=` value may hold spaces: everything after it on the line goes.
fn hide_password_values(line: &str) -> String {
    match line.to_ascii_lowercase().find("password=") {
        Some(found) => {
            let value = found + "password=".len();
            let end = if line.ends_with('\n') { "\n" } else { "" };
            format!("{}***{end}", &line[..value])
        }
        None => line.to_string(),
    }
}

/// Whether the URL carries a password (in its user info or as a parameter).
pub fn has_password(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let in_user_info = match Url::parse(url) {
        Ok(parsed) if encoding_hint(url).is_none() => parsed.password().is_some(),
        // Unreadable: a ':' before the last '@' is taken for a password.
        _ => rest
            .rsplit_once('@')
            .is_some_and(|(info, _)| info.contains(':')),
    };
    in_user_info || redact_query(url) != url
}

/// The user named in the URL's user info, decoded.
pub fn user_of(url: &str) -> Option<String> {
    let parsed = Url::parse(url).ok()?;
    let user = percent_decode_str(parsed.username())
        .decode_utf8()
        .ok()?
        .into_owned();
    (!user.is_empty()).then_some(user)
}

/// The URL with `password` (percent-encoded) in its user info, which must
/// name a user; `None` when it does not (or cannot be read).
pub fn with_password(url: &str, password: &str) -> Option<String> {
    if encoding_hint(url).is_some() {
        return None;
    }
    let mut parsed = Url::parse(url).ok()?;
    if parsed.username().is_empty() {
        return None;
    }
    parsed.set_password(Some(&encode(password))).ok()?;
    Some(parsed.into())
}

/// Whether the URL says how to use TLS (`sslmode=...`).
pub fn has_ssl_mode(url: &str) -> bool {
    Url::parse(url).is_ok_and(|parsed| names_ssl_mode(&parsed))
}

/// Percent-encodes everything but unreserved characters (RFC 3986), so any
/// password survives a URL unchanged.
pub fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shape a password takes, as typed into a URL without encoding
    /// (the Kubernetes Job recipe builds such a URL from a raw Secret) and
    /// percent-encoded.
    const SHAPES: &[&str] = &[
        "Zq7@Wx9",
        "Zq7:Wx9",
        "Zq7/Wx9",
        "Zq7%Wx9",
        "Zq7#Wx9",
        "Zq7?Wx9",
        "Zq7&Wx9",
        "Zq7=Wx9",
        "Zq7 Wx9",
        "Zq7pässwörtWx9",
        "Zq7@:/%#?&= Wx9",
        "12#Wx9Zq7",
        "#Zq7Wx9",
        "Zq7/",
        "Zq7@",
        "Zq7%41Wx9",
    ];

    fn leaks(shown: &str) -> bool {
        shown.contains("Zq7") || shown.contains("Wx9")
    }

    #[test]
    fn no_password_shape_survives_redaction() {
        for password in SHAPES {
            for written in [password.to_string(), encode(password)] {
                for url in [
                    format!("postgres://app:{written}@db.example.com:5432/app"),
                    format!("postgres://app:{written}@db/app?sslmode=require"),
                    format!("postgresql://app:{written}@[::1]/app#frag"),
                    format!("postgres://app:{written}@db"),
                    format!("postgres://db/app?user=app&password={written}"),
                    format!("postgres://db/app?password={written}&sslmode=require"),
                    format!("mysql://app:{written}@db/app"),
                    format!("app:{written}@db/app"),
                ] {
                    let shown = redact_url(&url);
                    assert!(!leaks(&shown), "{url} -> {shown}");
                    if url.contains("://") {
                        let text = redact_text(&format!("could not reach {url} (timeout)"));
                        assert!(!leaks(&text), "{url} -> {text}");
                    }
                    if let Err(error) = parse_url(&url) {
                        assert!(!leaks(&error.to_string()), "{url} -> {error}");
                    }
                }
            }
        }
    }

    #[test]
    fn what_is_not_a_password_stays_readable() {
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
        // Unencoded: the library would end the host part at '#'.
        assert_eq!(
            redact_url("postgres://app:pa#ss@db/app"),
            "postgres://***@db/app"
        );
    }

    #[test]
    fn a_parse_error_never_echoes_the_url() {
        let error = parse_url("postgres://app:pa/ss@db/app").unwrap_err();
        let text = error.to_string();
        assert!(!text.contains("pa/ss") && !text.contains("ss@"), "{text}");
        assert!(text.contains("percent-encode"), "{text}");
    }

    #[test]
    fn only_postgresql_schemes_pick_a_backend() {
        assert_eq!(Backend::from_scheme("postgres").unwrap(), Backend::Postgres);
        assert_eq!(
            Backend::from_scheme("PostgreSQL").unwrap(),
            Backend::Postgres
        );
        let error = parse_url("mysql://app@db/app").unwrap_err().to_string();
        assert!(error.contains("`mysql://`"), "{error}");
        assert!(parse_url("sqlite://forge-dev.db?mode=rwc").is_err());
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
    fn a_password_is_filled_in_encoded_and_read_back_by_the_driver() {
        for password in SHAPES {
            let url = with_password("postgres://app@db/x?sslmode=require", password).unwrap();
            assert!(has_password(&url), "{url}");
            let options = parse_url(&url).unwrap();
            assert_eq!(options.get_username(), "app");
            assert_eq!(options.get_host(), "db");
        }
        assert!(with_password("postgres://db/x", "p").is_none());
        assert!(has_password("postgres://db/x?user=a&password=b"));
        assert!(has_password("postgres://app:pa#ss@db/x"));
        assert!(!has_password("postgres://app@db/x"));
        assert_eq!(user_of("postgres://a%40b@db/x").as_deref(), Some("a@b"));
        assert_eq!(user_of("postgres://db/x"), None);
    }
}
