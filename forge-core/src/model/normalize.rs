//! Normalization of SQL expressions that the database rewrites: server
//! defaults and CHECK / partial-index predicates. Both sides of the diff go
//! through these functions, so `'x'::text` and `'x'`, or `now()` and
//! `CURRENT_TIMESTAMP`, compare equal and autogenerate reports no phantom change.

/// Normalizes a server default expression.
///
/// - strips casts to a named type (`'x'::character varying` -> `'x'`),
/// - spells the current-time functions one way (`CURRENT_TIMESTAMP` -> `now()`),
/// - lowercases keywords outside string literals (`TRUE` -> `true`),
/// - removes redundant outer parentheses and whitespace (`(0)` -> `0`).
pub fn default_expression(expr: &str) -> String {
    let expr = strip_casts(expr.trim());
    let expr = lowercase_outside_literals(&expr);
    let expr = strip_outer_parens(expr.trim()).to_string();
    let expr = collapse_whitespace(&expr);
    match expr.as_str() {
        "current_timestamp" | "now()" | "transaction_timestamp()" => "now()".to_string(),
        "gen_random_uuid()" | "uuid_generate_v4()" => expr,
        _ => {
            // A quoted numeric or boolean literal means the same as the bare one.
            if let Some(inner) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
                if !inner.contains('\'')
                    && (inner.parse::<f64>().is_ok() || inner == "true" || inner == "false")
                {
                    return inner.to_string();
                }
            }
            // `-1` is reported as `'-1'::integer` or `(-1)`.
            expr
        }
    }
}

/// Normalizes a boolean expression (CHECK body, partial index predicate) for
/// comparison only: PostgreSQL adds parentheses and casts (`price > 0` comes
/// back as `(price > (0)::double precision)`), so those and whitespace are
/// removed, and identifiers lose their double quotes. The stored form is
/// never rewritten; this key only decides whether two expressions are equal.
pub fn comparison_key(expr: &str) -> String {
    let no_casts = strip_casts(expr);
    let lowered = lowercase_outside_literals(&no_casts);
    let mut out = String::with_capacity(lowered.len());
    let mut in_literal = false;
    for c in lowered.chars() {
        if c == '\'' {
            in_literal = !in_literal;
            out.push(c);
        } else if in_literal {
            out.push(c);
        } else if c == '(' || c == ')' || c == '"' || c.is_whitespace() {
            continue;
        } else {
            out.push(c);
        }
    }
    out
}

/// Removes `::type` casts outside string literals, including multi-word types
/// (`double precision`, `character varying(20)`, `timestamp with time zone`)
/// and array suffixes.
pub fn strip_casts(expr: &str) -> String {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = String::with_capacity(expr.len());
    let mut i = 0;
    let mut in_literal = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            in_literal = !in_literal;
            out.push(c);
            i += 1;
            continue;
        }
        if !in_literal && c == ':' && chars.get(i + 1) == Some(&':') {
            i += 2;
            i = skip_type_name(&chars, i);
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Skips a type name starting at `i`: words (possibly quoted, possibly
/// several: `double precision`), an optional `(n[,m])` modifier, `[]` suffixes.
fn skip_type_name(chars: &[char], mut i: usize) -> usize {
    const MULTI_WORD_TAILS: &[&str] = &["precision", "varying", "with", "without", "time", "zone"];
    loop {
        if chars.get(i) == Some(&'"') {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += 1;
            }
            i += 1;
        } else {
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
        }
        // Continue through the words of a multi-word type name.
        let rest: String = chars[i..].iter().collect();
        let trimmed = rest.trim_start();
        let next_word: String = trimmed
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !next_word.is_empty()
            && MULTI_WORD_TAILS.contains(&next_word.to_ascii_lowercase().as_str())
        {
            i += rest.len() - trimmed.len();
            continue;
        }
        break;
    }
    if chars.get(i) == Some(&'(') {
        while i < chars.len() && chars[i] != ')' {
            i += 1;
        }
        i += 1;
    }
    while chars.get(i) == Some(&'[') && chars.get(i + 1) == Some(&']') {
        i += 2;
    }
    i
}

fn lowercase_outside_literals(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut in_literal = false;
    let mut in_ident = false;
    for c in expr.chars() {
        match c {
            '\'' if !in_ident => {
                in_literal = !in_literal;
                out.push(c);
            }
            '"' if !in_literal => {
                in_ident = !in_ident;
                out.push(c);
            }
            _ if in_literal || in_ident => out.push(c),
            _ => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

fn strip_outer_parens(mut expr: &str) -> &str {
    while expr.starts_with('(') && expr.ends_with(')') && encloses_whole(expr) {
        expr = expr[1..expr.len() - 1].trim();
    }
    expr
}

/// Whether the opening parenthesis at 0 closes at the very end.
fn encloses_whole(expr: &str) -> bool {
    let mut depth = 0usize;
    let mut in_literal = false;
    for (i, c) in expr.char_indices() {
        match c {
            '\'' => in_literal = !in_literal,
            '(' if !in_literal => depth += 1,
            ')' if !in_literal => {
                depth -= 1;
                if depth == 0 && i != expr.len() - 1 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

fn collapse_whitespace(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut in_literal = false;
    let mut last_space = false;
    for c in expr.chars() {
        if c == '\'' {
            in_literal = !in_literal;
        }
        if !in_literal && c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_defaults_normalize_equal() {
        assert_eq!(default_expression("'x'::text"), default_expression("'x'"));
        assert_eq!(
            default_expression("'active'::character varying"),
            "'active'"
        );
        assert_eq!(
            default_expression("CURRENT_TIMESTAMP"),
            default_expression("now()")
        );
        assert_eq!(default_expression("TRUE"), "true");
        assert_eq!(default_expression("'0'::integer"), "0");
        assert_eq!(default_expression("(0)"), "0");
        assert_eq!(default_expression("'{}'::jsonb"), "'{}'");
        assert_eq!(default_expression("0.5::double precision"), "0.5");
        assert_eq!(default_expression("'It''s'::text"), "'It''s'");
    }

    #[test]
    fn literals_keep_their_case() {
        assert_eq!(default_expression("'Mixed Case'::text"), "'Mixed Case'");
    }

    #[test]
    fn check_expressions_compare_through_postgres_rewrites() {
        assert_eq!(
            comparison_key("price > 0"),
            comparison_key("(price > (0)::double precision)")
        );
        assert_eq!(
            comparison_key("char_length(name) >= 3"),
            comparison_key("(char_length((name)::text) >= 3)")
        );
        assert_ne!(comparison_key("price > 0"), comparison_key("price >= 0"));
    }
}
