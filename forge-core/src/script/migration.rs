//! One migration file: its header (revision, parents, ...) and its upgrade and
//! downgrade sections, parsed from the format DESIGN.md specifies.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::checksum::checksum;
use super::error::ScriptError;
use super::splitter::{split_statements, Statement};

/// A parsed migration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationScript {
    /// 12 lowercase hex characters.
    pub revision: String,
    /// Empty for a root; several for a merge.
    pub parents: Vec<String>,
    pub message: String,
    pub created: Option<DateTime<Utc>>,
    /// Labels declared by this file (the graph also knows the inherited ones).
    pub branch_labels: Vec<String>,
    /// Revisions that must be applied before this one, though not its parents.
    pub depends_on: Vec<String>,
    /// False when the file says `-- forge:transaction off`.
    pub transactional: bool,
    pub upgrade: Section,
    /// None when the file has no `-- forge:downgrade` section.
    pub downgrade: Option<Section>,
    pub path: PathBuf,
    /// Checksum of the upgrade section (see [`super::checksum`]).
    pub checksum: String,
}

/// The SQL of one section, as written, and its statements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// The section's text without the blank lines around it.
    pub sql: String,
    /// File line of the first line of `sql`.
    pub line: usize,
    pub statements: Vec<Statement>,
}

/// The header directives, in the order a writer renders them.
pub(crate) const HEADER_DIRECTIVES: [&str; 7] = [
    "revision",
    "parents",
    "message",
    "created",
    "branch",
    "depends-on",
    "transaction",
];

const SECTIONS: [&str; 2] = ["upgrade", "downgrade"];

/// A comment a section may carry anywhere (autogenerate flags risky statements with it).
const WARNING: &str = "warning";

impl MigrationScript {
    /// Reads and parses one migration file.
    pub fn from_file(path: &Path) -> Result<Self, ScriptError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScriptError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Parses the text of a migration file; `path` names it in errors (and may be
    /// a made-up name for migrations embedded in a binary).
    pub fn parse(path: &Path, text: &str) -> Result<Self, ScriptError> {
        Parser::new(path).parse(text)
    }

    /// The file name, for messages.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string())
    }

    /// Its parents, then its dependencies: every revision that must be applied
    /// right before this one.
    pub fn requires(&self) -> impl Iterator<Item = &String> {
        self.parents.iter().chain(&self.depends_on)
    }
}

/// Whether `value` is a revision id: 12 lowercase hex characters.
pub fn is_revision_id(value: &str) -> bool {
    value.len() == 12
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Why `label` cannot be a branch label, if it cannot. Labels appear in revision
/// specs (`label@head`, `label@-1`), so they avoid the characters specs use.
pub fn branch_label_problem(label: &str) -> Option<&'static str> {
    if !label.starts_with(|c: char| c.is_ascii_alphabetic()) {
        Some("a label starts with a letter")
    } else if !label
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        Some("a label has only letters, digits, `_` and `.`")
    } else if matches!(label, "head" | "heads" | "base") {
        Some("head, heads and base are revision specs")
    } else {
        None
    }
}

/// A `-- forge:name value` line.
struct Directive<'a> {
    name: &'a str,
    value: &'a str,
}

fn directive(line: &str) -> Option<Directive<'_>> {
    let rest = line
        .trim()
        .strip_prefix("--")?
        .trim_start()
        .strip_prefix("forge:")?;
    let (name, value) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    Some(Directive {
        name,
        value: value.trim(),
    })
}

struct OpenSection<'a> {
    name: &'static str,
    marker_line: usize,
    lines: Vec<(usize, &'a str)>,
}

struct Parser<'p> {
    file: &'p Path,
    seen: HashMap<&'static str, usize>,
    revision: Option<String>,
    parents: Vec<String>,
    message: String,
    created: Option<DateTime<Utc>>,
    branch_labels: Vec<String>,
    depends_on: Vec<String>,
    transactional: bool,
    upgrade: Option<Section>,
    downgrade: Option<Section>,
}

impl<'p> Parser<'p> {
    fn new(file: &'p Path) -> Self {
        Parser {
            file,
            seen: HashMap::new(),
            revision: None,
            parents: Vec::new(),
            message: String::new(),
            created: None,
            branch_labels: Vec::new(),
            depends_on: Vec::new(),
            transactional: true,
            upgrade: None,
            downgrade: None,
        }
    }

    fn parse(mut self, text: &str) -> Result<MigrationScript, ScriptError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut open: Option<OpenSection> = None;
        for (index, raw) in text.split('\n').enumerate() {
            let number = index + 1;
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            let parsed = directive(line);
            if parsed.is_some() {
                // Header values end up in every message and listing.
                if let Some(character) = crate::terminal::first_control(line) {
                    return Err(ScriptError::ControlCharacter {
                        file: self.file.to_path_buf(),
                        line: number,
                        character,
                    });
                }
            }
            match parsed {
                Some(d) if d.name == WARNING => self.body_line(&mut open, number, line)?,
                Some(d) => {
                    if let Some(name) = SECTIONS.iter().find(|s| **s == d.name) {
                        if !d.value.is_empty() {
                            return Err(self.malformed(
                                number,
                                d.name,
                                "a section marker takes no value",
                            ));
                        }
                        if let Some(section) = open.take() {
                            self.close(section)?;
                        }
                        self.check_section_is_new(name, number)?;
                        open = Some(OpenSection {
                            name,
                            marker_line: number,
                            lines: Vec::new(),
                        });
                    } else if let Some(name) = HEADER_DIRECTIVES.iter().find(|h| **h == d.name) {
                        if open.is_some() {
                            return Err(ScriptError::HeaderInSection {
                                file: self.file.to_path_buf(),
                                line: number,
                                directive: name.to_string(),
                            });
                        }
                        self.header(name, d.value, number)?;
                    } else {
                        return Err(ScriptError::UnknownDirective {
                            file: self.file.to_path_buf(),
                            line: number,
                            directive: d.name.to_string(),
                        });
                    }
                }
                None => self.body_line(&mut open, number, line)?,
            }
        }
        if let Some(section) = open.take() {
            self.close(section)?;
        }
        self.finish()
    }

    /// A line that is not a directive: SQL of the open section, or (in the header)
    /// a blank line or a plain comment.
    fn body_line<'t>(
        &self,
        open: &mut Option<OpenSection<'t>>,
        number: usize,
        line: &'t str,
    ) -> Result<(), ScriptError> {
        match open {
            Some(section) => {
                section.lines.push((number, line));
                Ok(())
            }
            None if line.trim().is_empty() || line.trim_start().starts_with("--") => Ok(()),
            None => Err(ScriptError::SqlOutsideSection {
                file: self.file.to_path_buf(),
                line: number,
            }),
        }
    }

    fn malformed(&self, line: usize, directive: &str, reason: &str) -> ScriptError {
        ScriptError::MalformedHeader {
            file: self.file.to_path_buf(),
            line,
            directive: directive.to_string(),
            reason: reason.to_string(),
        }
    }

    fn check_section_is_new(&mut self, name: &'static str, line: usize) -> Result<(), ScriptError> {
        match self.seen.insert(name, line) {
            Some(first_line) => Err(ScriptError::DuplicateSection {
                file: self.file.to_path_buf(),
                line,
                section: name.to_string(),
                first_line,
            }),
            None => Ok(()),
        }
    }

    fn header(&mut self, name: &'static str, value: &str, line: usize) -> Result<(), ScriptError> {
        if let Some(first_line) = self.seen.insert(name, line) {
            return Err(ScriptError::DuplicateHeader {
                file: self.file.to_path_buf(),
                line,
                directive: name.to_string(),
                first_line,
            });
        }
        match name {
            "revision" => {
                if value.is_empty() {
                    return Err(self.malformed(line, name, "it needs the revision id"));
                }
                self.revision = Some(self.revision_id(name, value, line)?);
            }
            "parents" => self.parents = self.revision_ids(name, value, line)?,
            "depends-on" => self.depends_on = self.revision_ids(name, value, line)?,
            "message" => self.message = value.to_string(),
            "created" => {
                let created = DateTime::parse_from_rfc3339(value).map_err(|_| {
                    ScriptError::InvalidCreated {
                        file: self.file.to_path_buf(),
                        line,
                        value: value.to_string(),
                    }
                })?;
                self.created = Some(created.with_timezone(&Utc));
            }
            "branch" => {
                if value.is_empty() {
                    return Err(self.malformed(line, name, "it needs a label"));
                }
                for label in value.split_whitespace() {
                    if let Some(reason) = branch_label_problem(label) {
                        return Err(ScriptError::InvalidBranchLabel {
                            file: self.file.to_path_buf(),
                            line,
                            label: label.to_string(),
                            reason: reason.to_string(),
                        });
                    }
                    if !self.branch_labels.iter().any(|l| l == label) {
                        self.branch_labels.push(label.to_string());
                    }
                }
            }
            "transaction" => {
                self.transactional = match value {
                    "off" => false,
                    "on" => true,
                    _ => {
                        return Err(self.malformed(
                            line,
                            name,
                            "write `-- forge:transaction off` (or `on`, the default)",
                        ))
                    }
                }
            }
            _ => unreachable!("every header directive is handled"),
        }
        Ok(())
    }

    fn revision_id(
        &self,
        directive: &str,
        value: &str,
        line: usize,
    ) -> Result<String, ScriptError> {
        if is_revision_id(value) {
            Ok(value.to_string())
        } else {
            Err(ScriptError::InvalidRevisionId {
                file: self.file.to_path_buf(),
                line,
                directive: directive.to_string(),
                value: value.to_string(),
            })
        }
    }

    /// A list of ids separated by spaces or commas; a repeated id counts once.
    fn revision_ids(
        &self,
        directive: &str,
        value: &str,
        line: usize,
    ) -> Result<Vec<String>, ScriptError> {
        let mut ids: Vec<String> = Vec::new();
        for id in value
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
        {
            let id = self.revision_id(directive, id, line)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    fn close(&mut self, open: OpenSection) -> Result<(), ScriptError> {
        let mut lines = open.lines.as_slice();
        while let [(_, first), rest @ ..] = lines {
            if !first.trim().is_empty() {
                break;
            }
            lines = rest;
        }
        while let [rest @ .., (_, last)] = lines {
            if !last.trim().is_empty() {
                break;
            }
            lines = rest;
        }
        let start = lines.first().map_or(open.marker_line + 1, |(n, _)| *n);
        let sql = lines.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("\n");
        let statements = split_statements(&sql, start).map_err(|source| ScriptError::Sql {
            file: self.file.to_path_buf(),
            source,
        })?;
        let section = Section {
            sql,
            line: start,
            statements,
        };
        match open.name {
            "upgrade" => self.upgrade = Some(section),
            _ => self.downgrade = Some(section),
        }
        Ok(())
    }

    fn finish(self) -> Result<MigrationScript, ScriptError> {
        let file = self.file.to_path_buf();
        let revision = self
            .revision
            .ok_or_else(|| ScriptError::MissingRevision { file: file.clone() })?;
        let upgrade = self
            .upgrade
            .ok_or_else(|| ScriptError::MissingUpgrade { file: file.clone() })?;
        Ok(MigrationScript {
            revision,
            parents: self.parents,
            message: self.message,
            created: self.created,
            branch_labels: self.branch_labels,
            depends_on: self.depends_on,
            transactional: self.transactional,
            checksum: checksum(&upgrade.sql),
            upgrade,
            downgrade: self.downgrade,
            path: file,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const EXAMPLE: &str = "\
-- forge:revision   19becf30b774
-- forge:parents    3f2a9c1d0b7e
-- forge:message    add user phone number
-- forge:created    2025-12-24T03:27:41Z
-- forge:branch     feature_a
-- forge:depends-on 0a1b2c3d4e5f

-- forge:upgrade
-- forge:warning table rewrite
ALTER TABLE \"users\" ADD COLUMN \"phone_number\" varchar(20);

-- forge:downgrade
ALTER TABLE \"users\" DROP COLUMN \"phone_number\";
";

    fn parse(text: &str) -> Result<MigrationScript, ScriptError> {
        MigrationScript::parse(Path::new("versions/x.sql"), text)
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn parses_the_design_example() {
        let s = parse(EXAMPLE).unwrap();
        assert_eq!(s.revision, "19becf30b774");
        assert_eq!(s.parents, ["3f2a9c1d0b7e"]);
        assert_eq!(s.message, "add user phone number");
        assert_eq!(
            s.created,
            Some(Utc.with_ymd_and_hms(2025, 12, 24, 3, 27, 41).unwrap())
        );
        assert_eq!(s.branch_labels, ["feature_a"]);
        assert_eq!(s.depends_on, ["0a1b2c3d4e5f"]);
        assert!(s.transactional);
        assert_eq!(s.upgrade.line, 9);
        assert_eq!(
            s.upgrade.sql,
            "-- forge:warning table rewrite\nALTER TABLE \"users\" ADD COLUMN \"phone_number\" varchar(20);"
        );
        assert_eq!(s.upgrade.statements.len(), 1);
        assert_eq!(s.upgrade.statements[0].line, 10);
        assert_eq!(
            s.upgrade.statements[0].sql,
            "ALTER TABLE \"users\" ADD COLUMN \"phone_number\" varchar(20)"
        );
        let down = s.downgrade.as_ref().unwrap();
        assert_eq!((down.line, down.statements[0].line), (13, 13));
        assert_eq!(s.checksum, checksum(&s.upgrade.sql));
        assert_eq!(s.path, Path::new("versions/x.sql"));
        assert_eq!(s.file_name(), "x.sql");
    }

    #[test]
    fn a_root_has_no_parents_line_or_an_empty_one() {
        let root = "-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\nSELECT 1;\n";
        assert!(parse(root).unwrap().parents.is_empty());
        let empty =
            "-- forge:revision aaaaaaaaaaaa\n-- forge:parents\n-- forge:upgrade\nSELECT 1;\n";
        assert!(parse(empty).unwrap().parents.is_empty());
    }

    #[test]
    fn a_merge_lists_several_parents() {
        let s = parse("-- forge:revision aaaaaaaaaaaa\n-- forge:parents bbbbbbbbbbbb, cccccccccccc\n-- forge:upgrade\n").unwrap();
        assert_eq!(s.parents, ["bbbbbbbbbbbb", "cccccccccccc"]);
        assert!(s.upgrade.statements.is_empty());
    }

    #[test]
    fn transaction_off_is_read() {
        let s =
            parse("-- forge:revision aaaaaaaaaaaa\n-- forge:transaction off\n-- forge:upgrade\n")
                .unwrap();
        assert!(!s.transactional);
        assert!(
            err("-- forge:revision aaaaaaaaaaaa\n-- forge:transaction no\n-- forge:upgrade\n")
                .contains("x.sql:2: malformed `-- forge:transaction` line")
        );
    }

    #[test]
    fn the_downgrade_section_is_optional() {
        let s = parse("-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\nSELECT 1;").unwrap();
        assert_eq!(s.downgrade, None);
    }

    #[test]
    fn crlf_and_bom_are_read_like_lf() {
        let crlf = format!("\u{feff}{}", EXAMPLE.replace('\n', "\r\n"));
        let a = parse(EXAMPLE).unwrap();
        let b = parse(&crlf).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn header_comments_and_blank_lines_are_allowed() {
        let s =
            parse("-- Generated by forge\n\n-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\n")
                .unwrap();
        assert_eq!(s.revision, "aaaaaaaaaaaa");
    }

    #[test]
    fn missing_revision() {
        assert_eq!(
            err("-- forge:upgrade\nSELECT 1;"),
            "versions/x.sql: no `-- forge:revision` header; every migration file starts with one"
        );
    }

    #[test]
    fn revision_ids_are_twelve_lowercase_hex() {
        assert_eq!(
            err("-- forge:revision 19BECF30B774\n-- forge:upgrade\n"),
            "versions/x.sql:1: `19BECF30B774` in `-- forge:revision` is not a revision id (12 lowercase hex characters, e.g. 19becf30b774)"
        );
        assert!(
            err("-- forge:revision 19becf30b77\n-- forge:upgrade\n").contains("not a revision id")
        );
        assert!(
            err("-- forge:revision aaaaaaaaaaaa\n-- forge:parents abc\n-- forge:upgrade\n")
                .contains("x.sql:2: `abc` in `-- forge:parents`")
        );
        assert!(err(
            "-- forge:revision aaaaaaaaaaaa\n-- forge:depends-on zzzzzzzzzzzz\n-- forge:upgrade\n"
        )
        .contains("in `-- forge:depends-on`"));
        assert!(err("-- forge:revision\n-- forge:upgrade\n").contains("it needs the revision id"));
    }

    #[test]
    fn unknown_directives_are_errors_not_comments() {
        assert!(err(
            "-- forge:revision aaaaaaaaaaaa\n-- forge:parent bbbbbbbbbbbb\n-- forge:upgrade\n"
        )
        .starts_with("versions/x.sql:2: unknown directive `-- forge:parent`"));
        assert!(
            err("-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\n-- forge:upgrades\n")
                .contains("unknown directive `-- forge:upgrades`")
        );
    }

    #[test]
    fn warnings_are_comments_inside_sections() {
        let s = parse("-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\n-- forge:warning data loss\nDROP TABLE t;\n").unwrap();
        assert_eq!(s.upgrade.statements[0].sql, "DROP TABLE t");
        assert_eq!(s.upgrade.statements[0].line, 4);
    }

    #[test]
    fn duplicate_headers_and_sections() {
        assert_eq!(
            err("-- forge:revision aaaaaaaaaaaa\n-- forge:message a\n-- forge:message b\n-- forge:upgrade\n"),
            "versions/x.sql:3: `-- forge:message` appears twice (first on line 2); keep one"
        );
        assert_eq!(
            err("-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\nSELECT 1;\n-- forge:upgrade\n"),
            "versions/x.sql:4: a second `-- forge:upgrade` section (the first is on line 2); a file has one of each"
        );
    }

    #[test]
    fn missing_upgrade_section() {
        assert_eq!(
            err("-- forge:revision aaaaaaaaaaaa\n-- forge:downgrade\nSELECT 1;"),
            "versions/x.sql: no `-- forge:upgrade` section; add one with the statements that apply this revision"
        );
    }

    #[test]
    fn sql_in_the_header_is_an_error() {
        assert_eq!(
            err("-- forge:revision aaaaaaaaaaaa\nSELECT 1;\n-- forge:upgrade\n"),
            "versions/x.sql:2: SQL before `-- forge:upgrade`; statements belong in the upgrade or downgrade section"
        );
    }

    #[test]
    fn header_directives_inside_a_section_are_errors() {
        assert!(
            err("-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\n-- forge:message late\n")
                .starts_with("versions/x.sql:3: `-- forge:message` belongs in the header")
        );
    }

    #[test]
    fn section_markers_take_no_value() {
        assert!(
            err("-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade now\n")
                .contains("a section marker takes no value")
        );
    }

    #[test]
    fn created_must_be_rfc3339() {
        assert!(err(
            "-- forge:revision aaaaaaaaaaaa\n-- forge:created yesterday\n-- forge:upgrade\n"
        )
        .contains("x.sql:2: `yesterday` in `-- forge:created` is not an RFC 3339 timestamp"));
    }

    #[test]
    fn branch_labels_are_validated() {
        let s = parse("-- forge:revision aaaaaaaaaaaa\n-- forge:branch a b.c\n-- forge:upgrade\n")
            .unwrap();
        assert_eq!(s.branch_labels, ["a", "b.c"]);
        assert!(
            err("-- forge:revision aaaaaaaaaaaa\n-- forge:branch feat-a\n-- forge:upgrade\n")
                .contains(
                "`feat-a` cannot be a branch label: a label has only letters, digits, `_` and `.`"
            )
        );
        assert!(
            err("-- forge:revision aaaaaaaaaaaa\n-- forge:branch heads\n-- forge:upgrade\n")
                .contains("head, heads and base are revision specs")
        );
        assert!(
            err("-- forge:revision aaaaaaaaaaaa\n-- forge:branch 1x\n-- forge:upgrade\n")
                .contains("starts with a letter")
        );
    }

    #[test]
    fn sql_errors_name_file_and_line() {
        assert_eq!(
            err("-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\nSELECT 1;\nSELECT 'oops;\n"),
            "versions/x.sql:4: unterminated string literal: a ' is never closed (opened on line 4)"
        );
    }

    #[test]
    fn sections_keep_inner_blank_lines_and_lose_surrounding_ones() {
        let s = parse("-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\n\n\nSELECT 1;\n\nSELECT 2;\n\n\n-- forge:downgrade\n\n").unwrap();
        assert_eq!(s.upgrade.sql, "SELECT 1;\n\nSELECT 2;");
        assert_eq!(s.upgrade.line, 5);
        let down = s.downgrade.unwrap();
        assert_eq!((down.sql.as_str(), down.statements.len()), ("", 0));
    }

    #[test]
    fn downgrade_may_come_first() {
        let s = parse("-- forge:revision aaaaaaaaaaaa\n-- forge:downgrade\nSELECT 2;\n-- forge:upgrade\nSELECT 1;").unwrap();
        assert_eq!(s.upgrade.statements[0].sql, "SELECT 1");
        assert_eq!(s.downgrade.unwrap().statements[0].sql, "SELECT 2");
    }

    #[test]
    fn requires_lists_parents_then_dependencies() {
        let s = parse(EXAMPLE).unwrap();
        assert_eq!(
            s.requires().collect::<Vec<_>>(),
            ["3f2a9c1d0b7e", "0a1b2c3d4e5f"]
        );
    }

    #[test]
    fn control_characters_in_directives_are_refused_and_never_echoed() {
        let error = err(
            "-- forge:revision aaaaaaaaaaaa\n-- forge:message \u{1b}[2Jhidden\n-- forge:upgrade\n",
        );
        assert_eq!(
            error,
            "versions/x.sql:2: a `-- forge:` line contains the control character \\u{1b}; remove it (printed, it could rewrite what a terminal shows)"
        );
        assert!(!err("-- forge:revision \u{9b}31m\n-- forge:upgrade\n").contains('\u{9b}'));
        // SQL may hold them (inside a string literal, say).
        let s =
            parse("-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\nSELECT E'\u{7}';\n").unwrap();
        assert_eq!(s.upgrade.statements.len(), 1);
    }
}
