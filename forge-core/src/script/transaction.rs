//! Finds statements PostgreSQL refuses to run inside a transaction block, so a
//! migration that needs `-- forge:transaction off` is caught before it runs.

use serde::Serialize;

use super::migration::{MigrationScript, Section};
use super::splitter::Statement;

/// A statement that cannot run inside a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NonTransactional {
    /// What the statement does, e.g. `CREATE INDEX CONCURRENTLY`.
    pub what: &'static str,
    /// File line of the statement.
    pub line: usize,
}

/// The first statement of `section` that cannot run in a transaction.
pub fn find_non_transactional(section: &Section) -> Option<NonTransactional> {
    section.statements.iter().find_map(|statement| {
        non_transactional_kind(statement).map(|what| NonTransactional {
            what,
            line: statement.line,
        })
    })
}

/// Why `script` cannot run as written: a section contains a statement that cannot
/// run in a transaction while the file does not say `-- forge:transaction off`.
/// The message is meant for the user as is.
pub fn transaction_problem(script: &MigrationScript) -> Option<String> {
    if !script.transactional {
        return None;
    }
    let sections = std::iter::once(("upgrade", &script.upgrade))
        .chain(script.downgrade.as_ref().map(|d| ("downgrade", d)));
    sections.into_iter().find_map(|(name, section)| {
        find_non_transactional(section).map(|found| {
            format!(
                "revision {} ({}, line {}): the {name} section uses {}, which cannot run inside a transaction; the file must say `-- forge:transaction off` in its header",
                script.revision,
                script.path.display(),
                found.line,
                found.what,
            )
        })
    })
}

/// A statement no migration may contain, whatever its transaction mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForbiddenStatement {
    /// What the statement is, e.g. `COMMIT` or `COPY ... FROM STDIN`.
    pub what: &'static str,
    /// Why a migration cannot contain it, and what to write instead.
    pub why: &'static str,
    /// File line of the statement.
    pub line: usize,
}

/// The first statement of `section` that no migration may contain.
pub fn find_forbidden(section: &Section) -> Option<ForbiddenStatement> {
    section.statements.iter().find_map(|statement| {
        forbidden_kind(&statement.sql).map(|(what, why)| ForbiddenStatement {
            what,
            why,
            line: statement.line,
        })
    })
}

/// Why `script` cannot run at all: a section contains a statement no
/// migration may contain. The message is meant for the user as is.
pub fn forbidden_problem(script: &MigrationScript) -> Option<String> {
    let sections = std::iter::once(("upgrade", &script.upgrade))
        .chain(script.downgrade.as_ref().map(|d| ("downgrade", d)));
    sections.into_iter().find_map(|(name, section)| {
        find_forbidden(section).map(|found| {
            format!(
                "revision {} ({}, line {}): the {name} section uses {}, {}",
                script.revision,
                script.path.display(),
                found.line,
                found.what,
                found.why,
            )
        })
    })
}

const CONTROLS_THE_TRANSACTION: &str = "but Forge begins and ends each migration's transaction itself (a COMMIT inside would commit half of it); remove the statement, and split the migration into two revisions where it must commit in between";

/// Transaction control (by its first keywords) and COPY with the client.
fn forbidden_kind(sql: &str) -> Option<(&'static str, &'static str)> {
    let words = leading_words(sql, 2);
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let control = match w.as_slice() {
        ["BEGIN", ..] => "BEGIN",
        ["START", "TRANSACTION"] => "START TRANSACTION",
        ["COMMIT", ..] => "COMMIT",
        ["END", ..] => "END",
        ["ROLLBACK", ..] => "ROLLBACK",
        ["ABORT", ..] => "ABORT",
        ["SAVEPOINT", ..] => "SAVEPOINT",
        ["RELEASE", ..] => "RELEASE SAVEPOINT",
        ["PREPARE", "TRANSACTION"] => "PREPARE TRANSACTION",
        ["COPY", ..] => return copy_with_client(sql),
        _ => return None,
    };
    Some((control, CONTROLS_THE_TRANSACTION))
}

/// `COPY ... FROM STDIN` waits for rows only a client can send, and `COPY ...
/// TO STDOUT` sends rows no one reads: either would hang or break the session.
fn copy_with_client(sql: &str) -> Option<(&'static str, &'static str)> {
    let words = top_level_words(sql);
    let follows =
        |first: &str, second: &str| words.windows(2).any(|w| w[0] == first && w[1] == second);
    if follows("FROM", "STDIN") {
        Some(("COPY ... FROM STDIN", "which waits for rows that only an interactive client can send; load the data with INSERT ... VALUES, or COPY ... FROM a file on the database server"))
    } else if follows("TO", "STDOUT") {
        Some(("COPY ... TO STDOUT", "which sends rows to a client that a migration does not have; remove it, or COPY ... TO a file on the database server"))
    } else {
        None
    }
}

/// Recognises the statement by its leading keywords (comments and parenthesised
/// options such as `REINDEX (VERBOSE)` are skipped).
fn non_transactional_kind(statement: &Statement) -> Option<&'static str> {
    let words = leading_words(&statement.sql, 6);
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["CREATE", "INDEX", "CONCURRENTLY", ..]
        | ["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY", ..] => Some("CREATE INDEX CONCURRENTLY"),
        ["DROP", "INDEX", "CONCURRENTLY", ..] => Some("DROP INDEX CONCURRENTLY"),
        ["REINDEX", rest @ ..] if rest.contains(&"CONCURRENTLY") => Some("REINDEX CONCURRENTLY"),
        ["VACUUM", ..] => Some("VACUUM"),
        ["CREATE", "DATABASE", ..] => Some("CREATE DATABASE"),
        ["DROP", "DATABASE", ..] => Some("DROP DATABASE"),
        ["CREATE", "TABLESPACE", ..] => Some("CREATE TABLESPACE"),
        ["DROP", "TABLESPACE", ..] => Some("DROP TABLESPACE"),
        ["ALTER", "SYSTEM", ..] => Some("ALTER SYSTEM"),
        ["CREATE", "SUBSCRIPTION", ..] => Some("CREATE SUBSCRIPTION"),
        _ if detaches_concurrently(&statement.sql) => {
            Some("ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY")
        }
        _ => None,
    }
}

fn detaches_concurrently(sql: &str) -> bool {
    let words = leading_words(sql, usize::MAX);
    words.first().map(String::as_str) == Some("ALTER")
        && words
            .windows(2)
            .any(|w| w[0] == "DETACH" && w[1] == "PARTITION")
        && words.iter().any(|w| w == "CONCURRENTLY")
}

/// The first `limit` keywords of `sql`, uppercased, skipping comments and stopping
/// at the first quoted token (enough to recognise a statement's kind).
fn leading_words(sql: &str, limit: usize) -> Vec<String> {
    Tokens::new(sql)
        .map_while(|token| match token {
            Token::Word { text, .. } => Some(text),
            Token::Quoted { .. } => None,
        })
        .take(limit)
        .collect()
}

/// The keywords of `sql` outside parentheses, quotes and comments,
/// uppercased (a quoted token counts as an empty word).
fn top_level_words(sql: &str) -> Vec<String> {
    Tokens::new(sql)
        .filter(|token| token.depth() == 0)
        .map(|token| match token {
            Token::Word { text, .. } => text,
            Token::Quoted { .. } => String::new(),
        })
        .collect()
}

/// A keyword (uppercased) or a quoted token (`'...'`, `"..."`, `$$...$$`),
/// with how many parentheses enclose it.
enum Token {
    Word { text: String, depth: usize },
    Quoted { depth: usize },
}

impl Token {
    fn depth(&self) -> usize {
        match self {
            Token::Word { depth, .. } | Token::Quoted { depth } => *depth,
        }
    }
}

/// The words and quoted tokens of a statement, comments skipped (a `--`
/// comment ends at a newline or a carriage return, as in PostgreSQL; block
/// comments nest).
struct Tokens<'s> {
    sql: &'s str,
    i: usize,
    depth: usize,
}

impl<'s> Tokens<'s> {
    fn new(sql: &'s str) -> Self {
        Tokens {
            sql,
            i: 0,
            depth: 0,
        }
    }

    /// Skips a '...' or "..." token (a doubled quote is part of it).
    fn skip_quoted(&mut self, quote: u8) {
        let bytes = self.sql.as_bytes();
        self.i += 1;
        while self.i < bytes.len() {
            if bytes[self.i] == quote && bytes.get(self.i + 1) == Some(&quote) {
                self.i += 2;
            } else if bytes[self.i] == quote {
                self.i += 1;
                return;
            } else {
                self.i += 1;
            }
        }
    }

    /// Skips a `$$...$$` or `$tag$...$tag$` token; false (nothing skipped)
    /// when the `$` starts none (`$1`, `a$b`).
    fn skip_dollar_quoted(&mut self) -> bool {
        let rest = &self.sql[self.i + 1..];
        let name_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        let starts_tag = rest.as_bytes().get(name_len) == Some(&b'$')
            && !rest.as_bytes().first().is_some_and(u8::is_ascii_digit);
        if !starts_tag {
            return false;
        }
        let tag = &self.sql[self.i..self.i + name_len + 2];
        let body = self.i + tag.len();
        self.i = self.sql[body..]
            .find(tag)
            .map_or(self.sql.len(), |end| body + end + tag.len());
        true
    }
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let bytes = self.sql.as_bytes();
        while self.i < bytes.len() {
            match bytes[self.i] {
                b'-' if bytes.get(self.i + 1) == Some(&b'-') => {
                    while self.i < bytes.len() && !matches!(bytes[self.i], b'\n' | b'\r') {
                        self.i += 1;
                    }
                }
                b'/' if bytes.get(self.i + 1) == Some(&b'*') => {
                    let mut nesting = 0;
                    while self.i < bytes.len() {
                        if bytes[self.i..].starts_with(b"/*") {
                            nesting += 1;
                            self.i += 2;
                        } else if bytes[self.i..].starts_with(b"*/") {
                            nesting -= 1;
                            self.i += 2;
                            if nesting == 0 {
                                break;
                            }
                        } else {
                            self.i += 1;
                        }
                    }
                }
                quote @ (b'\'' | b'"') => {
                    self.skip_quoted(quote);
                    return Some(Token::Quoted { depth: self.depth });
                }
                b'$' if self.skip_dollar_quoted() => {
                    return Some(Token::Quoted { depth: self.depth });
                }
                b'(' => {
                    self.depth += 1;
                    self.i += 1;
                }
                b')' => {
                    self.depth = self.depth.saturating_sub(1);
                    self.i += 1;
                }
                c if c.is_ascii_alphabetic() || c == b'_' => {
                    let start = self.i;
                    while self.i < bytes.len()
                        && (bytes[self.i].is_ascii_alphanumeric()
                            || matches!(bytes[self.i], b'_' | b'$'))
                    {
                        self.i += 1;
                    }
                    return Some(Token::Word {
                        text: self.sql[start..self.i].to_ascii_uppercase(),
                        depth: self.depth,
                    });
                }
                _ => self.i += 1,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn script(header: &str, upgrade: &str) -> MigrationScript {
        let text = format!("-- forge:revision aaaaaaaaaaaa\n{header}-- forge:upgrade\n{upgrade}\n-- forge:downgrade\nSELECT 1;\n");
        MigrationScript::parse(Path::new("v/a.sql"), &text).unwrap()
    }

    fn kind(sql: &str) -> Option<&'static str> {
        find_non_transactional(&script("", sql).upgrade).map(|f| f.what)
    }

    #[test]
    fn recognises_statements_that_refuse_a_transaction() {
        assert_eq!(
            kind("CREATE INDEX CONCURRENTLY i ON t (a);"),
            Some("CREATE INDEX CONCURRENTLY")
        );
        assert_eq!(
            kind("create unique index concurrently i on t (a);"),
            Some("CREATE INDEX CONCURRENTLY")
        );
        assert_eq!(
            kind("DROP INDEX CONCURRENTLY i;"),
            Some("DROP INDEX CONCURRENTLY")
        );
        assert_eq!(
            kind("REINDEX INDEX CONCURRENTLY i;"),
            Some("REINDEX CONCURRENTLY")
        );
        assert_eq!(
            kind("REINDEX (VERBOSE) TABLE CONCURRENTLY t;"),
            Some("REINDEX CONCURRENTLY")
        );
        assert_eq!(kind("VACUUM ANALYZE t;"), Some("VACUUM"));
        assert_eq!(kind("CREATE DATABASE x;"), Some("CREATE DATABASE"));
        assert_eq!(
            kind("ALTER SYSTEM SET work_mem = '64MB';"),
            Some("ALTER SYSTEM")
        );
        assert_eq!(
            kind("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY;"),
            Some("ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY")
        );
    }

    #[test]
    fn ordinary_ddl_and_add_value_run_in_a_transaction() {
        assert_eq!(kind("CREATE INDEX i ON t (a); REINDEX TABLE t;"), None);
        // PostgreSQL 12+ runs ADD VALUE in a transaction (the new value cannot be used in the same one).
        assert_eq!(kind("ALTER TYPE mood ADD VALUE 'meh';"), None);
        assert_eq!(kind("ALTER TABLE p DETACH PARTITION p1;"), None);
        assert_eq!(kind("INSERT INTO log VALUES ('VACUUM');"), None);
        assert_eq!(kind("-- VACUUM later\nSELECT 1;"), None);
    }

    #[test]
    fn comments_before_keywords_do_not_hide_them() {
        assert_eq!(
            kind("/* big table */ CREATE /* x */ INDEX CONCURRENTLY i ON t (a);"),
            Some("CREATE INDEX CONCURRENTLY")
        );
    }

    #[test]
    fn the_problem_names_revision_file_line_and_the_fix() {
        let s = script("", "SELECT 1;\nCREATE INDEX CONCURRENTLY i ON t (a);");
        assert_eq!(
            transaction_problem(&s).unwrap(),
            "revision aaaaaaaaaaaa (v/a.sql, line 4): the upgrade section uses CREATE INDEX CONCURRENTLY, which cannot run inside a transaction; the file must say `-- forge:transaction off` in its header"
        );
    }

    #[test]
    fn the_downgrade_section_is_checked_too() {
        let text = "-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\nSELECT 1;\n-- forge:downgrade\nDROP INDEX CONCURRENTLY i;\n";
        let s = MigrationScript::parse(Path::new("v/a.sql"), text).unwrap();
        assert!(transaction_problem(&s)
            .unwrap()
            .contains("the downgrade section uses DROP INDEX CONCURRENTLY"));
    }

    #[test]
    fn transaction_off_silences_the_problem() {
        let s = script(
            "-- forge:transaction off\n",
            "CREATE INDEX CONCURRENTLY i ON t (a);",
        );
        assert_eq!(transaction_problem(&s), None);
    }

    fn forbidden(sql: &str) -> Option<&'static str> {
        find_forbidden(&script("", sql).upgrade).map(|f| f.what)
    }

    #[test]
    fn transaction_control_is_forbidden_in_any_spelling() {
        for (sql, what) in [
            ("BEGIN;", "BEGIN"),
            ("begin transaction isolation level serializable;", "BEGIN"),
            ("START TRANSACTION;", "START TRANSACTION"),
            ("COMMIT;", "COMMIT"),
            ("commit and chain;", "COMMIT"),
            ("COMMIT PREPARED 'x';", "COMMIT"),
            ("END;", "END"),
            ("end work;", "END"),
            ("ROLLBACK;", "ROLLBACK"),
            ("ROLLBACK TO SAVEPOINT a;", "ROLLBACK"),
            ("ABORT;", "ABORT"),
            ("SAVEPOINT a;", "SAVEPOINT"),
            ("RELEASE SAVEPOINT a;", "RELEASE SAVEPOINT"),
            ("RELEASE a;", "RELEASE SAVEPOINT"),
            ("PREPARE TRANSACTION 'x';", "PREPARE TRANSACTION"),
            ("/* done */ COMMIT;", "COMMIT"),
        ] {
            assert_eq!(forbidden(sql), Some(what), "{sql}");
        }
    }

    #[test]
    fn names_that_look_like_transaction_control_are_not() {
        for sql in [
            "CREATE TABLE begin (commit int, \"end\" text);",
            "INSERT INTO begin VALUES (1);",
            "ALTER TABLE begin ADD COLUMN rollback int;",
            "CREATE TRIGGER t BEFORE INSERT ON begin FOR EACH ROW EXECUTE FUNCTION f();",
            "PREPARE q AS SELECT 1;",
            "DO $$ BEGIN PERFORM 1; END $$;",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;",
            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;",
            "COPY t FROM '/srv/data.csv';",
            "COPY (SELECT * FROM stdin) TO '/tmp/out';",
        ] {
            assert_eq!(forbidden(sql), None, "{sql}");
        }
    }

    #[test]
    fn copy_with_the_client_is_forbidden() {
        assert_eq!(
            forbidden("COPY items (id, name) FROM STDIN WITH (FORMAT csv);"),
            Some("COPY ... FROM STDIN")
        );
        assert_eq!(
            forbidden("copy \"items\" from stdin;"),
            Some("COPY ... FROM STDIN")
        );
        assert_eq!(
            forbidden("COPY (SELECT 1 FROM t WHERE a IN (1, 2)) TO STDOUT;"),
            Some("COPY ... TO STDOUT")
        );
    }

    #[test]
    fn the_forbidden_problem_names_revision_file_line_and_what_to_do() {
        let s = script("-- forge:transaction off\n", "SELECT 1;\nCOMMIT;");
        let problem = forbidden_problem(&s).unwrap();
        assert!(
            problem.starts_with("revision aaaaaaaaaaaa (v/a.sql, line 5): the upgrade section uses COMMIT, but Forge begins and ends"),
            "{problem}"
        );
    }

    #[test]
    fn a_carriage_return_ends_a_line_comment() {
        assert_eq!(kind("-- note\rVACUUM t;"), Some("VACUUM"));
        assert_eq!(forbidden("-- note\rCOMMIT;"), Some("COMMIT"));
    }

    #[test]
    fn quoted_tokens_and_parameters_are_skipped_whole() {
        assert_eq!(
            top_level_words("COPY (SELECT $$ FROM STDIN $$, $1, a$b FROM t) TO STDOUT"),
            ["COPY", "TO", "STDOUT"]
        );
        assert_eq!(
            top_level_words("COPY t FROM $body$ STDIN $body$"),
            ["COPY", "T", "FROM", ""]
        );
        assert_eq!(
            leading_words("/* a /* b */ */ CREATE -- x\rINDEX", 5),
            ["CREATE", "INDEX"]
        );
    }
}
