//! Rust names to SQL names: `ProductTable` -> `product`, `InProgress` -> `in_progress`.

/// `snake_case` of a Rust identifier; acronyms stay one word (`HTTPLog` -> `http_log`).
pub fn snake_case(ident: &str) -> String {
    let chars: Vec<char> = ident.chars().collect();
    let mut out = String::with_capacity(ident.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let starts_word = match prev {
                None | Some('_') => false,
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) => p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()),
            };
            if starts_word {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The default table name: the struct's name without a trailing `Table`, in snake_case.
pub fn table_name(struct_name: &str) -> String {
    let stem = struct_name
        .strip_suffix("Table")
        .filter(|s| !s.is_empty())
        .unwrap_or(struct_name);
    snake_case(stem)
}

/// How a column name is written inside a generated CHECK expression: bare when
/// PostgreSQL would read it unchanged, double-quoted otherwise.
pub fn sql_identifier(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !RESERVED.contains(&name);
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// PostgreSQL's reserved key words: a column with one of these names must be quoted.
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "current_catalog",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "grant",
    "group",
    "having",
    "in",
    "initially",
    "intersect",
    "into",
    "lateral",
    "leading",
    "limit",
    "localtime",
    "localtimestamp",
    "not",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "placing",
    "primary",
    "references",
    "returning",
    "select",
    "session_user",
    "some",
    "symmetric",
    "system_user",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "when",
    "where",
    "window",
    "with",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_splits_words_and_keeps_acronyms_together() {
        assert_eq!(snake_case("OrderStatus"), "order_status");
        assert_eq!(snake_case("HTTPRequestLog"), "http_request_log");
        assert_eq!(snake_case("Api2Key"), "api2_key");
        assert_eq!(snake_case("already_snake"), "already_snake");
    }

    #[test]
    fn table_names_drop_the_table_suffix() {
        assert_eq!(table_name("ProductTable"), "product");
        assert_eq!(table_name("ApiKeyTable"), "api_key");
        assert_eq!(table_name("Table"), "table");
        assert_eq!(table_name("Users"), "users");
    }

    #[test]
    fn identifiers_are_quoted_only_when_needed() {
        assert_eq!(sql_identifier("price"), "price");
        assert_eq!(sql_identifier("Price"), "\"Price\"");
        assert_eq!(sql_identifier("order"), "\"order\"");
        assert_eq!(sql_identifier("2fa"), "\"2fa\"");
    }
}
