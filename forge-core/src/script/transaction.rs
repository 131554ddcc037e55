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
    let bytes = sql.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    while i < bytes.len() && words.len() < limit {
        match bytes[i] {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < bytes.len() {
                    if bytes[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if bytes[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'\'' | b'"' | b'$' => break,
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                words.push(sql[start..i].to_ascii_uppercase());
            }
            _ => i += 1,
        }
    }
    words
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
}
