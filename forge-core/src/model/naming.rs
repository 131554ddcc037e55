//! Conventional names for constraints and indexes. The models get the names
//! PostgreSQL itself would pick (`users_pkey`, `users_email_key`,
//! `orders_user_id_fkey`, ...), and `ix_<table>_<columns>` for plain indexes, so
//! a database built by hand with default names and one built by Forge compare
//! equal. Every name fits PostgreSQL's 63-byte identifier limit, shortened the
//! way PostgreSQL shortens its own (`makeObjectName`: the longer part loses
//! characters first).

/// PostgreSQL truncates identifiers to NAMEDATALEN - 1 bytes.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

pub fn primary_key(table: &str) -> String {
    object_name(table, None, "pkey")
}

pub fn unique(table: &str, columns: &[impl AsRef<str>]) -> String {
    object_name(table, Some(&join(columns)), "key")
}

pub fn foreign_key(table: &str, columns: &[impl AsRef<str>]) -> String {
    object_name(table, Some(&join(columns)), "fkey")
}

pub fn check(table: &str, column: &str) -> String {
    object_name(table, Some(column), "check")
}

/// A CHECK over several columns, as PostgreSQL names it (`<table>_check`).
pub fn table_check(table: &str) -> String {
    object_name(table, None, "check")
}

/// The sequence PostgreSQL creates for a serial or identity column.
pub fn sequence(table: &str, column: &str) -> String {
    object_name(table, Some(column), "seq")
}

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, where the longer of
/// the two names is shortened first until the whole fits in 63 bytes.
fn object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let available = MAX_IDENTIFIER_BYTES.saturating_sub(overhead);
    let (mut n1, mut n2) = (name1.len(), name2.map_or(0, str::len));
    while n1 + n2 > available {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let mut out = clip(name1, n1).to_string();
    if let Some(name2) = name2 {
        out.push('_');
        out.push_str(clip(name2, n2));
    }
    out.push('_');
    out.push_str(label);
    out
}

/// The longest prefix of `name` within `bytes` bytes that ends on a character boundary.
fn clip(name: &str, mut bytes: usize) -> &str {
    while !name.is_char_boundary(bytes) {
        bytes -= 1;
    }
    &name[..bytes]
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

    #[test]
    fn the_longer_part_is_shortened_first_as_postgresql_does() {
        // CREATE TABLE <40 a> (<40 b> serial) names its sequence with 29 + 29 bytes.
        let (table, column) = ("a".repeat(40), "b".repeat(40));
        assert_eq!(
            sequence(&table, &column),
            format!("{}_{}_seq", "a".repeat(29), "b".repeat(29))
        );
        assert_eq!(sequence("orders", "id"), "orders_id_seq");
        assert_eq!(
            foreign_key(&"t".repeat(70), &["owner_id"]),
            format!("{}_owner_id_fkey", "t".repeat(49))
        );
    }
}
