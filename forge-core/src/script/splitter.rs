//! Splits a section of SQL into statements, the way PostgreSQL's lexer sees it.
//!
//! A `;` ends a statement only outside quotes ('...' with '' escapes, E'...'
//! with backslash escapes, "identifiers", $$ and $tag$ dollar quotes),
//! comments (-- line and nested /* block */), parentheses, and the bodies of
//! `BEGIN ATOMIC ... END` functions and SQLite `CREATE TRIGGER ... BEGIN ... END`.

use serde::Serialize;

/// One SQL statement of a section, without its terminating `;` and without the
/// comments and blank lines before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    pub sql: String,
    /// Line in the migration file where the statement's first token is.
    pub line: usize,
}

/// A section that cannot be split: something opened is never closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (opened on line {line})")]
pub struct SplitError {
    /// Line where the unterminated construct starts.
    pub line: usize,
    pub kind: SplitErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitErrorKind {
    #[error("unterminated string literal: a ' is never closed")]
    UnterminatedString,
    #[error("unterminated E'' string: a ' is never closed (backslash escapes apply)")]
    UnterminatedEscapeString,
    #[error("unterminated quoted identifier: a \" is never closed")]
    UnterminatedIdentifier,
    #[error("unterminated dollar-quoted string: {tag} is never closed")]
    UnterminatedDollarQuote { tag: String },
    #[error("unterminated block comment: a /* is never closed")]
    UnterminatedComment,
    #[error("unclosed parenthesis: a ( is never closed")]
    UnclosedParenthesis,
    #[error("unterminated BEGIN block: no matching END")]
    UnterminatedBlock,
}

/// Splits `text` into statements; `first_line` is the file line of `text`'s first line.
/// Empty and comment-only statements are dropped.
pub fn split_statements(text: &str, first_line: usize) -> Result<Vec<Statement>, SplitError> {
    Splitter {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        line: first_line,
        statements: Vec::new(),
        start: None,
        end: 0,
        parens: Vec::new(),
        block: None,
        words: Vec::new(),
        previous: Previous::Nothing,
    }
    .run()
}

struct Splitter<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    statements: Vec<Statement>,
    /// Byte offset and line of the current statement's first token.
    start: Option<(usize, usize)>,
    /// Byte offset just past the current statement's last token.
    end: usize,
    /// Lines of the parentheses still open.
    parens: Vec<usize>,
    /// Nesting depth and opening line of a BEGIN ... END body.
    block: Option<(usize, usize)>,
    /// The words of the current statement so far, uppercased (enough to recognise a trigger).
    words: Vec<String>,
    /// The kind of the token before the current one.
    previous: Previous,
}

/// What came right before a token: a trigger's `BEGIN` body follows a word
/// (`FOR EACH ROW BEGIN`) or a `)` (`WHEN (...) BEGIN`), never punctuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Previous {
    Nothing,
    Word,
    CloseParen,
    Other,
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn is_word_char(b: u8) -> bool {
    is_word_start(b) || b == b'$'
}

impl Splitter<'_> {
    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    fn run(mut self) -> Result<Vec<Statement>, SplitError> {
        while let Some(c) = self.peek(0) {
            match c {
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                c if c.is_ascii_whitespace() => self.pos += 1,
                b'-' if self.peek(1) == Some(b'-') => self.skip_line_comment(),
                b'/' if self.peek(1) == Some(b'*') => self.skip_block_comment()?,
                b';' if self.parens.is_empty() && self.block.is_none() => {
                    self.finish_statement();
                    self.pos += 1;
                }
                _ => {
                    if self.start.is_none() {
                        self.start = Some((self.pos, self.line));
                    }
                    self.previous = self.token()?;
                    self.end = self.pos;
                }
            }
        }
        if let Some(&line) = self.parens.last() {
            return Err(SplitError {
                line,
                kind: SplitErrorKind::UnclosedParenthesis,
            });
        }
        if let Some((_, line)) = self.block {
            return Err(SplitError {
                line,
                kind: SplitErrorKind::UnterminatedBlock,
            });
        }
        self.finish_statement();
        Ok(self.statements)
    }

    fn finish_statement(&mut self) {
        if let Some((start, line)) = self.start.take() {
            let sql = self.text[start..self.end].trim_end().to_string();
            self.statements.push(Statement { sql, line });
        }
        self.words.clear();
        self.previous = Previous::Nothing;
    }

    /// PostgreSQL's lexer ends a `--` comment at a newline or a carriage return.
    fn skip_line_comment(&mut self) {
        while let Some(c) = self.peek(0) {
            if c == b'\n' || c == b'\r' {
                break;
            }
            self.pos += 1;
        }
    }

    /// PostgreSQL block comments nest: `/* a /* b */ c */` is one comment.
    fn skip_block_comment(&mut self) -> Result<(), SplitError> {
        let opened = self.line;
        let mut depth = 0usize;
        while let Some(c) = self.peek(0) {
            match (c, self.peek(1)) {
                (b'/', Some(b'*')) => {
                    depth += 1;
                    self.pos += 2;
                }
                (b'*', Some(b'/')) => {
                    depth -= 1;
                    self.pos += 2;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                (b'\n', _) => {
                    self.line += 1;
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
        Err(SplitError {
            line: opened,
            kind: SplitErrorKind::UnterminatedComment,
        })
    }

    /// Consumes one token that starts at `pos` (not whitespace, not a comment)
    /// and says what kind it was.
    fn token(&mut self) -> Result<Previous, SplitError> {
        let c = self.bytes[self.pos];
        match c {
            b'\'' => self.quoted(b'\'', false, SplitErrorKind::UnterminatedString)?,
            b'E' | b'e' if self.peek(1) == Some(b'\'') => {
                self.pos += 1;
                self.quoted(b'\'', true, SplitErrorKind::UnterminatedEscapeString)?
            }
            b'"' => self.quoted(b'"', false, SplitErrorKind::UnterminatedIdentifier)?,
            b'$' => match self.dollar_tag() {
                Some(tag_len) => self.dollar_quoted(tag_len)?,
                None => self.pos += 1,
            },
            b'(' => {
                self.parens.push(self.line);
                self.pos += 1;
            }
            b')' => {
                self.parens.pop();
                self.pos += 1;
                return Ok(Previous::CloseParen);
            }
            c if is_word_start(c) => {
                self.word();
                return Ok(Previous::Word);
            }
            _ => self.pos += 1,
        }
        Ok(Previous::Other)
    }

    /// A quoted string or identifier; a doubled quote is an escaped quote, and in
    /// E'' strings a backslash escapes the next character.
    fn quoted(
        &mut self,
        quote: u8,
        backslash: bool,
        kind: SplitErrorKind,
    ) -> Result<(), SplitError> {
        let opened = self.line;
        self.pos += 1;
        while let Some(c) = self.peek(0) {
            match c {
                b'\\' if backslash => {
                    if self.peek(1) == Some(b'\n') {
                        self.line += 1;
                    }
                    self.pos += 2;
                }
                c if c == quote => {
                    if self.peek(1) == Some(quote) {
                        self.pos += 2;
                    } else {
                        self.pos += 1;
                        return Ok(());
                    }
                }
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
        Err(SplitError { line: opened, kind })
    }

    /// Length of the dollar-quote tag at `pos` (`$$` or `$name$`), if one starts here.
    /// `$1` is a parameter, not a tag.
    fn dollar_tag(&self) -> Option<usize> {
        let rest = &self.bytes[self.pos + 1..];
        match rest.first() {
            Some(b'$') => Some(2),
            Some(&c) if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let name_len = rest.iter().take_while(|&&b| is_word_start(b)).count();
                (rest.get(name_len) == Some(&b'$')).then_some(name_len + 2)
            }
            _ => None,
        }
    }

    fn dollar_quoted(&mut self, tag_len: usize) -> Result<(), SplitError> {
        let tag = &self.text[self.pos..self.pos + tag_len];
        let body_start = self.pos + tag_len;
        match self.text[body_start..].find(tag) {
            Some(offset) => {
                let close = body_start + offset;
                self.line += self.text[self.pos..close].matches('\n').count();
                self.pos = close + tag_len;
                Ok(())
            }
            None => Err(SplitError {
                line: self.line,
                kind: SplitErrorKind::UnterminatedDollarQuote {
                    tag: tag.to_string(),
                },
            }),
        }
    }

    /// A keyword, identifier or number; keywords open and close BEGIN ... END bodies,
    /// whose semicolons belong to the statement.
    fn word(&mut self) {
        let start = self.pos;
        while self.peek(0).is_some_and(is_word_char) {
            self.pos += 1;
        }
        let word = self.text[start..self.pos].to_ascii_uppercase();
        match self.block {
            Some((depth, opened)) => match word.as_str() {
                "BEGIN" | "CASE" => self.block = Some((depth + 1, opened)),
                "END" => self.block = (depth > 1).then_some((depth - 1, opened)),
                _ => {}
            },
            None => {
                let previous = self.words.last().map(String::as_str);
                let opens = (word == "ATOMIC" && previous == Some("BEGIN"))
                    || (word == "BEGIN" && self.is_trigger() && self.body_may_start(previous));
                if opens {
                    self.block = Some((1, self.line));
                }
            }
        }
        self.words.push(word);
    }

    /// Whether a `BEGIN` here starts a trigger body rather than name a table,
    /// column or trigger called `begin` (`ON begin`, `OF a, begin`, `TRIGGER
    /// begin`, `ON public.begin`).
    fn body_may_start(&self, previous_word: Option<&str>) -> bool {
        match self.previous {
            Previous::CloseParen => true,
            Previous::Word => !matches!(previous_word, Some("ON" | "OF" | "TRIGGER")),
            Previous::Nothing | Previous::Other => false,
        }
    }

    /// `CREATE [TEMP] TRIGGER ... BEGIN ... END` (SQLite) has a statement list as its body.
    fn is_trigger(&self) -> bool {
        self.words.first().map(String::as_str) == Some("CREATE")
            && self.words.iter().take(5).any(|w| w == "TRIGGER")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqls(text: &str) -> Vec<String> {
        split_statements(text, 1)
            .unwrap()
            .into_iter()
            .map(|s| s.sql)
            .collect()
    }

    fn lines(text: &str, first: usize) -> Vec<usize> {
        split_statements(text, first)
            .unwrap()
            .into_iter()
            .map(|s| s.line)
            .collect()
    }

    fn error(text: &str) -> SplitError {
        split_statements(text, 1).unwrap_err()
    }

    #[test]
    fn splits_on_semicolons_and_drops_the_terminator() {
        assert_eq!(sqls("SELECT 1; SELECT 2;"), ["SELECT 1", "SELECT 2"]);
    }

    #[test]
    fn a_last_statement_without_semicolon_is_kept() {
        assert_eq!(sqls("SELECT 1;\nSELECT 2\n"), ["SELECT 1", "SELECT 2"]);
    }

    #[test]
    fn empty_and_comment_only_statements_are_dropped() {
        assert_eq!(sqls(""), Vec::<String>::new());
        assert_eq!(sqls(";;\n  ;"), Vec::<String>::new());
        assert_eq!(
            sqls("-- nothing here\n/* nor here */\n"),
            Vec::<String>::new()
        );
        assert_eq!(sqls("SELECT 1;\n-- trailing comment\n"), ["SELECT 1"]);
    }

    #[test]
    fn leading_comments_are_not_part_of_the_statement_but_inner_ones_are() {
        assert_eq!(
            sqls("-- forge:warning drops data\nDROP TABLE a; SELECT 1 /* one */ + 1;"),
            ["DROP TABLE a", "SELECT 1 /* one */ + 1"]
        );
    }

    #[test]
    fn trailing_comment_after_the_last_token_is_trimmed() {
        assert_eq!(sqls("SELECT 1 -- why\n"), ["SELECT 1"]);
    }

    #[test]
    fn semicolons_inside_single_quotes_with_doubled_quotes() {
        assert_eq!(
            sqls("SELECT 'a;''b;'; SELECT 2"),
            ["SELECT 'a;''b;'", "SELECT 2"]
        );
    }

    #[test]
    fn backslash_is_literal_in_standard_strings() {
        assert_eq!(
            sqls(r"SELECT 'C:\'; SELECT 2"),
            [r"SELECT 'C:\'", "SELECT 2"]
        );
    }

    #[test]
    fn escape_strings_honour_backslash_escaped_quotes() {
        assert_eq!(
            sqls(r"SELECT E'it\'s; fine'; SELECT 2"),
            [r"SELECT E'it\'s; fine'", "SELECT 2"]
        );
        assert_eq!(
            sqls(r"SELECT e'\\'; SELECT 2"),
            [r"SELECT e'\\'", "SELECT 2"]
        );
        assert_eq!(
            sqls(r"SELECT E'a''b;'; SELECT 2"),
            [r"SELECT E'a''b;'", "SELECT 2"]
        );
    }

    #[test]
    fn an_identifier_ending_in_e_does_not_start_an_escape_string() {
        // `type` ends in e; the quote after it is an ordinary string where \ is literal.
        assert_eq!(
            sqls(r"SELECT type'\'; SELECT 2"),
            [r"SELECT type'\'", "SELECT 2"]
        );
    }

    #[test]
    fn semicolons_inside_double_quoted_identifiers() {
        assert_eq!(
            sqls(r#"CREATE TABLE "a;b" ("c""d;" int); SELECT 2"#),
            [r#"CREATE TABLE "a;b" ("c""d;" int)"#, "SELECT 2"]
        );
    }

    #[test]
    fn dollar_quotes_with_semicolons() {
        let text = "DO $$ BEGIN PERFORM 1; PERFORM 2; END $$;\nSELECT 3;";
        assert_eq!(
            sqls(text),
            ["DO $$ BEGIN PERFORM 1; PERFORM 2; END $$", "SELECT 3"]
        );
    }

    #[test]
    fn tagged_dollar_quotes_may_contain_other_dollar_quotes() {
        let text =
            "CREATE FUNCTION f() RETURNS text AS $fn$ SELECT $$;$$; $fn$ LANGUAGE sql; SELECT 1";
        assert_eq!(
            sqls(text),
            [
                "CREATE FUNCTION f() RETURNS text AS $fn$ SELECT $$;$$; $fn$ LANGUAGE sql",
                "SELECT 1"
            ]
        );
    }

    #[test]
    fn positional_parameters_and_dollar_in_identifiers_are_not_dollar_quotes() {
        assert_eq!(
            sqls("SELECT $1; SELECT a$b$ FROM t; SELECT 3"),
            ["SELECT $1", "SELECT a$b$ FROM t", "SELECT 3"]
        );
    }

    #[test]
    fn line_comments_hide_quotes_and_semicolons() {
        assert_eq!(
            sqls("SELECT 1 -- it's; done\n, 2;"),
            ["SELECT 1 -- it's; done\n, 2"]
        );
    }

    #[test]
    fn block_comments_nest() {
        assert_eq!(
            sqls("SELECT /* a /* b; */ c; */ 1; SELECT 2"),
            ["SELECT /* a /* b; */ c; */ 1", "SELECT 2"]
        );
    }

    #[test]
    fn semicolons_inside_parentheses_do_not_split() {
        let text = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)); SELECT 1";
        assert_eq!(split_statements(text, 1).unwrap().len(), 2);
    }

    #[test]
    fn begin_atomic_function_bodies_stay_whole() {
        let text = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;\nSELECT 3;";
        assert_eq!(
            sqls(text),
            [
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END",
                "SELECT 3"
            ]
        );
    }

    #[test]
    fn sqlite_trigger_bodies_stay_whole() {
        let text = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET n = n + 1;\n  DELETE FROM c;\nEND;\nSELECT 1;";
        assert_eq!(split_statements(text, 1).unwrap().len(), 2);
    }

    #[test]
    fn a_transaction_begin_is_just_a_statement() {
        assert_eq!(
            sqls("BEGIN; SELECT 1; COMMIT;"),
            ["BEGIN", "SELECT 1", "COMMIT"]
        );
        assert_eq!(
            sqls("CREATE TABLE t (begin int); SELECT 1"),
            ["CREATE TABLE t (begin int)", "SELECT 1"]
        );
    }

    #[test]
    fn statements_carry_the_line_of_their_first_token() {
        let text = "\n-- comment\nSELECT 1;\n\n  SELECT\n  2; SELECT 3;\n/* a\n b */ SELECT 4";
        assert_eq!(lines(text, 1), [3, 5, 6, 8]);
        assert_eq!(lines(text, 10), [12, 14, 15, 17]);
    }

    #[test]
    fn line_numbers_count_newlines_inside_quotes_and_comments() {
        let text =
            "SELECT 'a\nb';\nDO $$\n\n$$;\nSELECT E'\\\n';\nSELECT \"x\ny\";\n/*\n*/SELECT 5;";
        assert_eq!(lines(text, 1), [1, 3, 6, 8, 11]);
    }

    #[test]
    fn non_ascii_text_is_kept_intact() {
        assert_eq!(sqls("SELECT 'é;ü'; SELECT ñ"), ["SELECT 'é;ü'", "SELECT ñ"]);
    }

    #[test]
    fn unterminated_constructs_name_the_line_they_open_on() {
        let e = error("SELECT 1;\nSELECT 'abc;\nSELECT 2;");
        assert_eq!((e.line, e.kind), (2, SplitErrorKind::UnterminatedString));
        let e = error("SELECT\n\nE'it\\'s");
        assert_eq!(
            (e.line, e.kind),
            (3, SplitErrorKind::UnterminatedEscapeString)
        );
        let e = error("SELECT \"abc");
        assert_eq!(
            (e.line, e.kind),
            (1, SplitErrorKind::UnterminatedIdentifier)
        );
        let e = error("SELECT 1;\nDO $body$ BEGIN END $$;");
        assert_eq!(
            (e.line, e.kind),
            (
                2,
                SplitErrorKind::UnterminatedDollarQuote {
                    tag: "$body$".into()
                }
            )
        );
        let e = error("SELECT 1;\n/* a /* b */\nSELECT 2;");
        assert_eq!((e.line, e.kind), (2, SplitErrorKind::UnterminatedComment));
        let e = error("SELECT 1;\nINSERT INTO t VALUES (1;\nSELECT 2;");
        assert_eq!((e.line, e.kind), (2, SplitErrorKind::UnclosedParenthesis));
        let e = error("CREATE TRIGGER t AFTER INSERT ON a BEGIN\nSELECT 1;");
        assert_eq!((e.line, e.kind), (1, SplitErrorKind::UnterminatedBlock));
    }

    #[test]
    fn error_messages_say_what_is_unclosed_and_where() {
        assert_eq!(
            error("x\n'y").to_string(),
            "unterminated string literal: a ' is never closed (opened on line 2)"
        );
    }

    #[test]
    fn a_table_column_or_trigger_named_begin_opens_no_body() {
        for text in [
            "CREATE TRIGGER t BEFORE INSERT ON begin FOR EACH ROW EXECUTE FUNCTION f(); SELECT 1",
            "CREATE TRIGGER t AFTER UPDATE OF a, begin ON t EXECUTE FUNCTION f(); SELECT 1",
            "CREATE TRIGGER t AFTER INSERT ON public.begin EXECUTE FUNCTION f(); SELECT 1",
            "CREATE TRIGGER begin AFTER INSERT ON t EXECUTE FUNCTION f(); SELECT 1",
            "CREATE TABLE begin (id int); SELECT 1",
        ] {
            assert_eq!(split_statements(text, 1).unwrap().len(), 2, "{text}");
        }
        let sqlite = "CREATE TRIGGER t AFTER INSERT ON a WHEN (new.x > 0) BEGIN\n  DELETE FROM c;\nEND;\nSELECT 1;";
        assert_eq!(split_statements(sqlite, 1).unwrap().len(), 2);
    }

    #[test]
    fn a_carriage_return_ends_a_line_comment_as_for_postgresql() {
        assert_eq!(
            sqls("-- old mac line end\rCREATE TABLE t ();"),
            ["CREATE TABLE t ()"]
        );
        assert_eq!(sqls("SELECT 1 -- why\r, 2;"), ["SELECT 1 -- why\r, 2"]);
    }
}
