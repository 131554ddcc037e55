//! An index key written as SQL in `index("...")`: a column or an expression,
//! then a collation, an operator class, a direction and a NULLS order, as
//! PostgreSQL's grammar has it (`column | function(...) | (expression)`,
//! `[COLLATE collation]`, `[opclass]`, `[ASC | DESC]`, `[NULLS FIRST | LAST]`).
//! Parsed at compile time so a mistake points at the string.

/// What a key indexes.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Column(String),
    Expression(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct KeySpec {
    pub target: Target,
    pub descending: bool,
    /// `Some(true)`: NULLS FIRST; `Some(false)`: NULLS LAST.
    pub nulls_first: Option<bool>,
    pub opclass: Option<String>,
    /// `COLLATE "C"`: as PostgreSQL reads it (a bare word lowercased).
    pub collation: Option<String>,
}

/// One lexical piece of a key: a word, a quoted identifier, or a
/// parenthesized group (with its parentheses), each with its source text.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Word(String),
    Quoted(String),
    Group(String),
}

fn pieces(text: &str) -> Result<Vec<Piece>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            let start = i;
            let mut depth = 0;
            let mut quote: Option<char> = None;
            while i < chars.len() {
                let c = chars[i];
                match quote {
                    Some(q) if c == q => quote = None,
                    Some(_) => {}
                    None if c == '\'' || c == '"' => quote = Some(c),
                    None if c == '(' => depth += 1,
                    None if c == ')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    None => {}
                }
                i += 1;
            }
            if i == chars.len() {
                return Err("a parenthesis is not closed".to_string());
            }
            i += 1;
            out.push(Piece::Group(chars[start..i].iter().collect()));
        } else if c == '"' {
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += 1;
            }
            if i == chars.len() {
                return Err("a double quote is not closed".to_string());
            }
            out.push(Piece::Quoted(chars[start..i].iter().collect()));
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | '$'))
            {
                i += 1;
            }
            out.push(Piece::Word(chars[start..i].iter().collect()));
        } else {
            return Err(format!(
                "`{c}` outside parentheses: write an expression key in parentheses, e.g. \"(a + b)\""
            ));
        }
    }
    Ok(out)
}

fn is_word(piece: Option<&Piece>, word: &str) -> bool {
    matches!(piece, Some(Piece::Word(w)) if w.eq_ignore_ascii_case(word))
}

pub fn parse(text: &str) -> Result<KeySpec, String> {
    let mut pieces = pieces(text)?;
    if pieces.is_empty() {
        return Err("an index key cannot be empty".to_string());
    }
    let mut nulls_first = None;
    let n = pieces.len();
    if n >= 2 && is_word(pieces.get(n - 2), "nulls") {
        nulls_first = Some(match &pieces[n - 1] {
            Piece::Word(w) if w.eq_ignore_ascii_case("first") => true,
            Piece::Word(w) if w.eq_ignore_ascii_case("last") => false,
            _ => return Err("NULLS is followed by FIRST or LAST".to_string()),
        });
        pieces.truncate(n - 2);
    }
    let mut descending = false;
    if is_word(pieces.last(), "desc") {
        descending = true;
        pieces.pop();
    } else if is_word(pieces.last(), "asc") {
        pieces.pop();
    }
    let mut rest = pieces.into_iter();
    let target = match (rest.next(), rest.as_slice().first()) {
        (Some(Piece::Group(group)), _) => {
            Target::Expression(group[1..group.len() - 1].trim().to_string())
        }
        (Some(Piece::Word(name)), Some(Piece::Group(args))) => {
            let call = format!("{name}{args}");
            rest.next();
            Target::Expression(call)
        }
        (Some(Piece::Word(name)), _) => Target::Column(name.to_ascii_lowercase()),
        (Some(Piece::Quoted(name)), _) => Target::Column(name),
        (None, _) => return Err("an index key names a column or an expression".to_string()),
    };
    let mut rest = rest.peekable();
    let collation = match rest.peek() {
        Some(Piece::Word(w)) if w.eq_ignore_ascii_case("collate") => {
            rest.next();
            match rest.next() {
                Some(Piece::Word(name)) => Some(name.to_ascii_lowercase()),
                Some(Piece::Quoted(name)) => Some(name),
                _ => {
                    return Err(
                        "COLLATE is followed by a collation name, e.g. COLLATE \"C\"".to_string(),
                    )
                }
            }
        }
        _ => None,
    };
    let opclass = match rest.next() {
        None => None,
        Some(Piece::Word(opclass)) => Some(opclass.to_ascii_lowercase()),
        Some(_) => {
            return Err(
                "after the key comes an operator class, ASC or DESC, and NULLS FIRST or LAST; write an expression in parentheses".to_string(),
            )
        }
    };
    if rest.next().is_some() {
        return Err(
            "after the key comes an operator class, ASC or DESC, and NULLS FIRST or LAST; write an expression in parentheses".to_string(),
        );
    }
    Ok(KeySpec {
        target,
        descending,
        nulls_first,
        opclass,
        collation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_postgresql_grammar() {
        assert_eq!(
            parse("created_at DESC NULLS LAST").unwrap(),
            KeySpec {
                target: Target::Column("created_at".into()),
                descending: true,
                nulls_first: Some(false),
                opclass: None,
                collation: None,
            }
        );
        let lower = parse("lower(email) text_pattern_ops").unwrap();
        assert_eq!(lower.target, Target::Expression("lower(email)".into()));
        assert_eq!(lower.opclass.as_deref(), Some("text_pattern_ops"));
        assert_eq!(
            parse("(a + b) asc").unwrap().target,
            Target::Expression("a + b".into())
        );
        assert_eq!(
            parse("\"Score\"").unwrap().target,
            Target::Column("Score".into())
        );
        assert!(parse("a + b").is_err());
        assert!(parse("a nulls sometimes").is_err());
        assert!(parse("lower(email").is_err());
        let collated = parse("title COLLATE \"C\" text_pattern_ops DESC").unwrap();
        assert_eq!(collated.collation.as_deref(), Some("C"));
        assert_eq!(collated.opclass.as_deref(), Some("text_pattern_ops"));
        assert_eq!(
            parse("title collate POSIX").unwrap().collation.as_deref(),
            Some("posix")
        );
        assert!(parse("title COLLATE").is_err());
    }
}
