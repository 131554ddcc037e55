//! `[autogenerate] exclude`: what of the database Forge leaves alone, as glob
//! patterns on names and kinds of objects (Alembic's `include_object`).
//!
//! A pattern is `[KIND:]NAME`:
//! - `NAME` without a dot matches an object's name in every schema read
//!   (`legacy_*`); with a dot it matches `schema.name` (`audit.*`,
//!   `*.tmp_*`), the default schema spelled out by its name (`public.old`).
//! - `*` matches any run of characters, `?` one character; nothing else is
//!   special, and names compare as PostgreSQL stores them (case-sensitive).
//! - `KIND:` limits the pattern to one kind of object (`view:*`,
//!   `function:audit_*`, `table:legacy_*`); without it the pattern applies
//!   to every kind. The kinds are [`ObjectKind`]'s names.
//!
//! An object that belongs to an excluded table (its triggers, policies,
//! partitions) is excluded with it.

use std::fmt;
use std::str::FromStr;

use crate::model::{ObjectKind, TableName};

/// A pattern that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExcludeError {
    #[error("exclude pattern `{pattern}` names kind `{kind}`, which is not a kind of object; use one of: {}", kinds())]
    UnknownKind { pattern: String, kind: String },
    #[error("exclude pattern `{pattern}` is empty; write a name, `schema.name` or `kind:name` (`legacy_*`, `audit.*`, `view:*`)")]
    Empty { pattern: String },
    #[error("exclude pattern `{pattern}` has more than one dot; write `schema.name` (`audit.*`)")]
    TooManyParts { pattern: String },
}

fn kinds() -> String {
    ObjectKind::ALL
        .iter()
        .map(|k| k.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    kind: Option<ObjectKind>,
    /// `None`: any schema.
    schema: Option<String>,
    name: String,
}

impl FromStr for Pattern {
    type Err = ExcludeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let (kind, rest) = match trimmed.split_once(':') {
            Some((kind, rest)) => {
                let parsed =
                    ObjectKind::parse(kind.trim()).ok_or_else(|| ExcludeError::UnknownKind {
                        pattern: text.to_string(),
                        kind: kind.trim().to_string(),
                    })?;
                (Some(parsed), rest.trim())
            }
            None => (None, trimmed),
        };
        let parts: Vec<&str> = rest.split('.').collect();
        let (schema, name) = match parts.as_slice() {
            [name] => (None, name.to_string()),
            [schema, name] => (Some(schema.to_string()), name.to_string()),
            _ => {
                return Err(ExcludeError::TooManyParts {
                    pattern: text.to_string(),
                })
            }
        };
        if name.is_empty() || schema.as_deref() == Some("") {
            return Err(ExcludeError::Empty {
                pattern: text.to_string(),
            });
        }
        Ok(Pattern {
            text: trimmed.to_string(),
            kind,
            schema,
            name,
        })
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Pattern {
    /// Whether the pattern matches an object of `kind` named `name` in
    /// `schema` (its actual PostgreSQL schema name).
    pub fn matches(&self, kind: ObjectKind, schema: &str, name: &str) -> bool {
        self.kind.is_none_or(|k| k == kind)
            && self.schema.as_deref().is_none_or(|s| glob(s, schema))
            && glob(&self.name, name)
    }
}

/// Every pattern of `[autogenerate] exclude`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exclusions {
    patterns: Vec<Pattern>,
}

impl Exclusions {
    pub fn parse<S: AsRef<str>>(patterns: &[S]) -> Result<Exclusions, ExcludeError> {
        Ok(Exclusions {
            patterns: patterns
                .iter()
                .map(|p| p.as_ref().parse())
                .collect::<Result<_, _>>()?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// The first pattern that excludes an object of `kind` named `name` in
    /// `schema` (`None`: `default_schema`).
    pub fn matching(
        &self,
        kind: ObjectKind,
        schema: Option<&str>,
        name: &str,
        default_schema: &str,
    ) -> Option<&Pattern> {
        let schema = schema.unwrap_or(default_schema);
        self.patterns.iter().find(|p| p.matches(kind, schema, name))
    }

    /// Whether table `table` (schema `None`: `default_schema`) is excluded.
    pub fn excludes_table(&self, table: &TableName, default_schema: &str) -> bool {
        self.matching(
            ObjectKind::Table,
            table.schema.as_deref(),
            &table.name,
            default_schema,
        )
        .is_some()
    }
}

/// `*` (any run) and `?` (one character) against `text`, whole.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matching with one backtrack point: linear in practice.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((star_p, star_t)) = star {
            pi = star_p + 1;
            ti = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exclusions(patterns: &[&str]) -> Exclusions {
        Exclusions::parse(patterns).unwrap()
    }

    #[test]
    fn globs_match_whole_names() {
        assert!(glob("legacy_*", "legacy_users"));
        assert!(glob("legacy_*", "legacy_"));
        assert!(!glob("legacy_*", "old_legacy_users"));
        assert!(glob("*_tmp", "orders_tmp"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "abbc"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxbyy"));
        assert!(!glob("Users", "users"), "names are case-sensitive");
    }

    #[test]
    fn a_name_alone_matches_in_every_schema_and_a_dotted_one_in_its_schema() {
        let e = exclusions(&["legacy_*", "audit.*"]);
        let table = |schema: Option<&str>, name: &str| {
            e.excludes_table(&TableName::new(schema, name), "public")
        };
        assert!(table(None, "legacy_users"));
        assert!(table(Some("billing"), "legacy_invoices"));
        assert!(table(Some("audit"), "log"));
        assert!(!table(None, "log"));
        assert!(!table(None, "users"));

        let e = exclusions(&["public.old"]);
        assert!(e.excludes_table(&TableName::bare("old"), "public"));
        assert!(!e.excludes_table(&TableName::bare("old"), "app"));
    }

    #[test]
    fn a_kind_limits_the_pattern() {
        let e = exclusions(&["view:*", "function:audit_*"]);
        assert!(e
            .matching(ObjectKind::View, None, "active_users", "public")
            .is_some());
        assert!(e
            .matching(ObjectKind::Table, None, "active_users", "public")
            .is_none());
        assert!(e
            .matching(ObjectKind::Function, Some("app"), "audit_row()", "public")
            .is_some());
        let e = exclusions(&["tmp_*"]);
        assert!(
            e.matching(ObjectKind::Sequence, None, "tmp_seq", "public")
                .is_some(),
            "no kind: every kind"
        );
    }

    #[test]
    fn bad_patterns_say_what_to_write() {
        let err = Exclusions::parse(&["views:*"]).unwrap_err().to_string();
        assert!(
            err.starts_with("exclude pattern `views:*` names kind `views`"),
            "{err}"
        );
        assert!(err.contains("materialized_view"), "{err}");
        assert!(Exclusions::parse(&[""]).is_err());
        assert!(Exclusions::parse(&["view:"]).is_err());
        assert!(Exclusions::parse(&["a.b.c"]).is_err());
        assert!(Exclusions::parse(&[".x"]).is_err());
    }
}
