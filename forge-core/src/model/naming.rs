//! Conventional names for constraints and indexes. The models get the names
//! PostgreSQL itself would pick (`users_pkey`, `users_email_key`,
//! `orders_user_id_fkey`, ...), and `ix_<table>_<columns>` for plain indexes, so
//! a database built by hand with default names and one built by Forge compare
//! equal. Every name is cut to PostgreSQL's 63-byte identifier limit.

/// PostgreSQL truncates identifiers to NAMEDATALEN - 1 bytes.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

pub fn primary_key(table: &str) -> String {
    truncate(format!("{table}_pkey"))
}

pub fn unique(table: &str, columns: &[impl AsRef<str>]) -> String {
    truncate(format!("{table}_{}_key", join(columns)))
}

pub fn foreign_key(table: &str, columns: &[impl AsRef<str>]) -> String {
    truncate(format!("{table}_{}_fkey", join(columns)))
}

pub fn check(table: &str, column: &str) -> String {
    truncate(format!("{table}_{column}_check"))
}

pub fn index(table: &str, columns: &[impl AsRef<str>]) -> String {
    truncate(format!("ix_{table}_{}", join(columns)))
}

pub fn unique_index(table: &str, columns: &[impl AsRef<str>]) -> String {
    truncate(format!("ux_{table}_{}", join(columns)))
}

fn join(columns: &[impl AsRef<str>]) -> String {
    columns
        .iter()
        .map(|c| c.as_ref())
        .collect::<Vec<_>>()
        .join("_")
}

/// Cuts a name at a character boundary so it fits in 63 bytes, as PostgreSQL does.
pub fn truncate(mut name: String) -> String {
    if name.len() > MAX_IDENTIFIER_BYTES {
        let mut end = MAX_IDENTIFIER_BYTES;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_postgresql_defaults() {
        assert_eq!(primary_key("users"), "users_pkey");
        assert_eq!(unique("users", &["email"]), "users_email_key");
        assert_eq!(foreign_key("orders", &["user_id"]), "orders_user_id_fkey");
        assert_eq!(check("products", "price"), "products_price_check");
        assert_eq!(index("products", &["sku"]), "ix_products_sku");
    }

    #[test]
    fn long_names_are_cut_to_63_bytes() {
        let long = "t".repeat(80);
        assert_eq!(primary_key(&long).len(), 63);
    }
}
