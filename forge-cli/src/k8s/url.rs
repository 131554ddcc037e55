//! Connection URLs for Kubernetes targets: the forward's URL (with the
//! password percent-encoded), and an external URL with the password filled in
//! and TLS required unless it says otherwise. URLs are read by forge-core's
//! `database` module, with the same URL library the driver uses.

use forge_core::database;

use crate::config::Secret;

pub use forge_core::database::{
    encode_url_component as encode, has_password, has_ssl_mode as has_sslmode,
};

/// `postgres://USER:PASSWORD@127.0.0.1:PORT/DATABASE`.
pub fn forward_url(user: &str, password: &Secret, port: u16, database: &str) -> String {
    format!(
        "postgres://{}:{}@127.0.0.1:{port}/{}",
        encode(user),
        encode(password.expose()),
        encode(database)
    )
}

/// The URL with `password` in its user info (it must name a user there); a
/// URL that already carries a password is kept as it is.
pub fn with_password(url: &str, password: &Secret) -> Option<String> {
    if has_password(url) {
        return Some(url.to_string());
    }
    database::with_password(url, password.expose())
}

/// The URL with `sslmode=require` added unless it already names a mode.
pub fn require_tls(url: &str) -> String {
    if has_sslmode(url) {
        return url.to_string();
    }
    let (base, fragment) = url
        .split_once('#')
        .map_or((url, None), |(b, f)| (b, Some(f)));
    let separator = if base.contains('?') { '&' } else { '?' };
    match fragment {
        Some(fragment) => format!("{base}{separator}sslmode=require#{fragment}"),
        None => format!("{base}{separator}sslmode=require"),
    }
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
        assert!(with_password("postgres://db/x", &Secret::new("p")).is_none());
    }
}
