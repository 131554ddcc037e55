//! The comparison key of an SQL expression (default, CHECK body, index
//! predicate or key, generated column): what two spellings of one expression
//! have in common, computed only by rewrites that cannot change meaning.
//!
//! The key never touches casts or inner parentheses: `(a AND b) OR c` and
//! `a AND (b OR c)` keep different keys, and so do `price > 0` and
//! `(price > (0)::double precision)`. Deciding that the last two mean the same
//! takes the server (see `autogenerate`'s canonicalization); the key only
//! spares the server the spellings that differ by whitespace, letter case,
//! needless identifier quotes or parentheses around the whole expression.
//! The key is for comparing; the text that gets rendered is never rewritten.

/// The comparison key of `expr`: tokens separated by one space, unquoted
/// words lowercased, identifiers unquoted where the quotes change nothing,
/// comments dropped, enclosing parentheses removed.
pub fn key(expr: &str) -> String {
    let tokens = tokens(expr);
    let tokens = strip_enclosing_parens(&tokens);
    let key = tokens.join(" ");
    match key.as_str() {
        // Three names of one function: the transaction's start time.
        "current_timestamp" | "transaction_timestamp ( )" => "now ( )".to_string(),
        _ => key,
    }
}

/// Whether two expressions are spelled alike up to their keys.
pub fn same(a: &str, b: &str) -> bool {
    a == b || key(a) == key(b)
}

/// Whether a default written `desired` is the one PostgreSQL printed as
/// `live`: the same expression, or the same quoted literal with a cast to
/// the column's type. A default is always converted to its column's type,
/// so `'active'` is stored as `'active'::character varying`; a literal that
/// PostgreSQL reads otherwise (`'now'`, `'1'` for an integer) prints another
/// text and is left to the server.
pub fn same_default(desired: &str, live: &str) -> bool {
    if same(desired, live) {
        return true;
    }
    let (d, l) = (tokens(desired), tokens(live));
    let [literal] = strip_enclosing_parens(&d) else {
        return false;
    };
    let l = strip_enclosing_parens(&l);
    let is_literal = literal.starts_with('\'') || literal.starts_with("E'");
    let type_name = |t: &String| {
        t.chars().all(|c| {
            c.is_alphanumeric() || matches!(c, '_' | '"' | '(' | ')' | ',' | '[' | ']' | ' ' | '.')
        })
    };
    is_literal && l.len() >= 3 && l[0] == *literal && l[1] == "::" && l[2..].iter().all(type_name)
}

/// Whether `expr` refers to `column` (as a bare or quoted identifier;
/// a word of the same spelling counts too, which only errs on the safe side).
pub fn mentions(expr: &str, column: &str) -> bool {
    let name = identifier_key(column);
    tokens(expr).contains(&name)
}

/// Lowercase words (outside literals and quoted identifiers) that name the
/// per-row volatile functions: a default using one makes `ADD COLUMN`
/// rewrite the table.
pub fn calls_volatile_function(expr: &str) -> bool {
    const VOLATILE: &[&str] = &[
        "random",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "clock_timestamp",
        "nextval",
        "timeofday",
    ];
    tokens(expr).iter().any(|t| VOLATILE.contains(&t.as_str()))
}

/// Keywords PostgreSQL quotes when it prints an identifier (reserved,
/// type/function-name and column-name keywords): a quoted one is not the
/// same as the bare word, so its quotes stay in the key.
const KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// The tokens of `expr` in key form.
fn tokens(expr: &str) -> Vec<String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && next == Some('-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '\'' {
            let end = quoted_end(&chars, i, '\'', false);
            out.push(chars[i..end].iter().collect());
            i = end;
        } else if matches!(c, 'e' | 'E' | 'b' | 'B' | 'x' | 'X' | 'n' | 'N') && next == Some('\'') {
            // E'...' keeps backslash escapes; B'', X'' and N'' are plain.
            let escapes = matches!(c, 'e' | 'E');
            let end = quoted_end(&chars, i + 1, '\'', escapes);
            let body: String = chars[i + 1..end].iter().collect();
            out.push(format!("{}{body}", c.to_ascii_uppercase()));
            i = end;
        } else if c == '"' {
            let end = quoted_end(&chars, i, '"', false);
            let inner: String = chars[i + 1..end.saturating_sub(1).max(i + 1)]
                .iter()
                .collect::<String>()
                .replace("\"\"", "\"");
            out.push(identifier_key(&inner));
            i = end;
        } else if c == '$' && dollar_tag(&chars, i).is_some() {
            let tag = dollar_tag(&chars, i).unwrap_or_default();
            let tag_chars = tag.chars().count();
            let body_start = i + tag_chars;
            let rest: String = chars[body_start..].iter().collect();
            let (body, end) = match rest.find(&tag) {
                Some(p) => {
                    let body_chars = rest[..p].chars().count();
                    (rest[..p].to_string(), body_start + body_chars + tag_chars)
                }
                None => (rest, chars.len()),
            };
            // A dollar-quoted string is the same constant as a quoted one.
            out.push(format!("'{}'", body.replace('\'', "''")));
            i = end;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(chars[start..i].iter().collect::<String>().to_lowercase());
        } else if c.is_ascii_digit() || (c == '.' && next.is_some_and(|n| n.is_ascii_digit())) {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '.' || chars[i] == '_')
            {
                // An exponent's sign belongs to the number: 1e-3.
                if matches!(chars[i], 'e' | 'E') && matches!(chars.get(i + 1), Some('+' | '-')) {
                    i += 1;
                }
                i += 1;
            }
            out.push(chars[start..i].iter().collect::<String>().to_lowercase());
        } else if "+-*/<>=~!@#%^&|`?".contains(c) {
            let start = i;
            while i < chars.len() && "+-*/<>=~!@#%^&|`?".contains(chars[i]) {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else if c == ':' && next == Some(':') {
            out.push("::".to_string());
            i += 2;
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}

/// The index just past the closing quote of the literal or identifier opening at `start`.
fn quoted_end(chars: &[char], start: usize, quote: char, backslash_escapes: bool) -> usize {
    let mut i = start + 1;
    while i < chars.len() {
        if backslash_escapes && chars[i] == '\\' {
            i += 2;
            continue;
        }
        if chars[i] == quote {
            if chars.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    chars.len()
}

/// `$tag$` or `$$` starting at `i`.
fn dollar_tag(chars: &[char], i: usize) -> Option<String> {
    let mut j = i + 1;
    while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
        j += 1;
    }
    (chars.get(j) == Some(&'$') && !chars.get(i + 1).is_some_and(|c| c.is_ascii_digit()))
        .then(|| chars[i..=j].iter().collect())
}

/// `name` as PostgreSQL prints an identifier: bare when that reads back as
/// the same name (lowercase, no keyword), double-quoted otherwise.
pub fn quote_ident(name: &str) -> String {
    identifier_key(name)
}

/// A quoted identifier in key form: bare when the quotes change nothing
/// (a lowercase name that is no keyword), quoted otherwise.
fn identifier_key(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain && !KEYWORDS.contains(&name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Drops parentheses that enclose the whole token list (as many pairs as there are).
fn strip_enclosing_parens(mut tokens: &[String]) -> &[String] {
    while tokens.len() >= 2
        && tokens[0] == "("
        && tokens[tokens.len() - 1] == ")"
        && closes_at_end(tokens)
    {
        tokens = &tokens[1..tokens.len() - 1];
    }
    tokens
}

/// Whether the parenthesis opening the list closes at its last token.
fn closes_at_end(tokens: &[String]) -> bool {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate() {
        match t.as_str() {
            "(" => depth += 1,
            ")" => {
                depth -= 1;
                if depth == 0 {
                    return i == tokens.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_that_cannot_change_meaning_is_ignored() {
        assert!(same("price > 0", "(PRICE   >  0)"));
        assert!(same("\"price\" > 0", "price > 0"));
        assert!(same("((a IS NULL))", "a is null"));
        assert!(same("lower(email) -- the login\n", "LOWER( email )"));
        assert!(same("CURRENT_TIMESTAMP", "now()"));
        assert!(same("$$it's$$", "'it''s'"));
    }

    #[test]
    fn different_meanings_keep_different_keys() {
        // Precedence: AND binds tighter than OR.
        assert!(!same("(a AND b) OR c", "a AND (b OR c)"));
        // Casts change meaning: integer division is not numeric division.
        assert!(!same("x > 1 / 3", "x > 1::numeric / 3"));
        assert!(!same("price > 0", "(price > (0)::double precision)"));
        // Quoted identifiers that are keywords or mixed case are not bare words.
        assert!(!same("\"user\" = 'a'", "user = 'a'"));
        assert!(!same("\"Score\" < 100", "score < 100"));
        // Literals keep their case and spacing.
        assert!(!same("'Active'", "'active'"));
        assert!(!same("'a  b'", "'a b'"));
        assert!(!same("(a) + (b)", "a) + (b"));
    }

    #[test]
    fn a_literal_default_is_the_same_as_its_cast_to_the_column_type() {
        assert!(same_default("'active'", "'active'::character varying"));
        assert!(same_default("'{}'", "'{}'::jsonb"));
        assert!(same_default("'ok'", "'ok'::\"Mood\""));
        assert!(same_default("'a'", "('a'::timestamp with time zone)"));
        // Another literal, a cast of a cast, or an operator is not the same.
        assert!(!same_default("'now'", "'2024-01-01'::date"));
        assert!(!same_default("'a'", "'a'::text::character varying"));
        assert!(!same_default("'a'", "'a'::text || 'b'::text"));
        assert!(!same_default("now()", "'now'::text"));
    }

    #[test]
    fn volatile_defaults_are_recognised_by_their_function() {
        assert!(calls_volatile_function("gen_random_uuid()"));
        assert!(calls_volatile_function("nextval('t_id_seq'::regclass)"));
        assert!(!calls_volatile_function("'random'"));
        assert!(!calls_volatile_function("now()"));
    }

    #[test]
    fn column_references_are_found_bare_or_quoted() {
        assert!(mentions("(qty * price)", "price"));
        assert!(mentions("\"Score\" < 100", "Score"));
        assert!(!mentions("score < 100", "Score"));
        assert!(!mentions("price_old > 0 AND 'price' <> ''", "price"));
    }
}
