//! Connection URLs for Kubernetes targets: the forward's URL (with the
//! password percent-encoded), and an external URL with the password filled in
//! and TLS required unless it says otherwise.

use crate::config::Secret;

/// `postgres://USER:PASSWORD@127.0.0.1:PORT/DATABASE`.
pub fn forward_url(user: &str, password: &Secret, port: u16, database: &str) -> String {
    format!(
        "postgres://{}:{}@127.0.0.1:{port}/{}",
        encode(user),
        encode(password.expose()),
        encode(database)
    )
}

/// Whether the URL carries a password (in its user info or as a parameter).
pub fn has_password(url: &str) -> bool {
    let (_, authority, _) = split(url);
    let in_user_info = authority
        .rsplit_once('@')
        .is_some_and(|(info, _)| info.contains(':'));
    in_user_info || query_keys(url).any(|k| k.eq_ignore_ascii_case("password"))
}

/// Whether the URL says how to use TLS (`sslmode=...`).
pub fn has_sslmode(url: &str) -> bool {
    query_keys(url).any(|k| k.eq_ignore_ascii_case("sslmode"))
}

/// The URL with `password` in its user info (it must have a user there).
pub fn with_password(url: &str, password: &Secret) -> Option<String> {
    let (scheme, authority, tail) = split(url);
    let (user, host) = authority.rsplit_once('@')?;
    if user.contains(':') {
        return Some(url.to_string());
    }
    Some(format!(
        "{scheme}://{user}:{}@{host}{tail}",
        encode(password.expose())
    ))
}

/// The URL with `sslmode=require` added unless it already names a mode.
pub fn require_tls(url: &str) -> String {
    if has_sslmode(url) {
        return url.to_string();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}sslmode=require")
}

/// (scheme, authority, rest starting at '/', '?' or '#').
fn split(url: &str) -> (&str, &str, &str) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return ("", "", url);
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    (scheme, &rest[..end], &rest[end..])
}

fn query_keys(url: &str) -> impl Iterator<Item = &str> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let query = query.split('#').next().unwrap_or("");
    query
        .split('&')
        .filter_map(|pair| pair.split('=').next())
        .filter(|k| !k.is_empty())
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
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

    #[test]
    fn the_forward_url_encodes_the_password() {
        let url = forward_url("postgres", &Secret::new("p@ss:w/rd"), 54320, "appdb");
        assert_eq!(
            url,
            "postgres://postgres:p%40ss%3Aw%2Frd@127.0.0.1:54320/appdb"
        );
    }

    #[test]
    fn tls_is_required_unless_the_url_says_otherwise() {
        assert_eq!(
            require_tls("postgres://a@db/app"),
            "postgres://a@db/app?sslmode=require"
        );
        assert_eq!(
            require_tls("postgres://a@db/app?application_name=x"),
            "postgres://a@db/app?application_name=x&sslmode=require"
        );
        assert_eq!(
            require_tls("postgres://a@db/app?sslmode=disable"),
            "postgres://a@db/app?sslmode=disable"
        );
    }

    #[test]
    fn a_password_is_added_only_when_the_url_has_none() {
        assert_eq!(
            with_password(
                "postgres://app@db/x?sslmode=require",
                &Secret::new("s3 cret")
            )
            .unwrap(),
            "postgres://app:s3%20cret@db/x?sslmode=require"
        );
        assert_eq!(
            with_password("postgres://app:old@db/x", &Secret::new("new")).unwrap(),
            "postgres://app:old@db/x"
        );
        assert!(has_password("postgres://app:old@db/x") && !has_password("postgres://app@db/x"));
        assert!(has_password("postgres://db/x?user=a&password=b"));
        assert!(with_password("postgres://db/x", &Secret::new("p")).is_none());
    }
}
