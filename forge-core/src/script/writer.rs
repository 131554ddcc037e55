//! Writes a new migration file: a fresh revision id, a file name from the
//! creation time (to the second, and after every existing name, so names sort
//! in creation order) and the message, the header and both sections. Never
//! overwrites a file.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Timelike, Utc};

use super::error::ScriptError;
use super::migration::MigrationScript;

/// What a new revision file says; `render` and `write_revision` turn it into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRevision {
    /// None: a random id is generated.
    pub revision: Option<String>,
    pub parents: Vec<String>,
    pub message: String,
    pub branch_labels: Vec<String>,
    pub depends_on: Vec<String>,
    pub transactional: bool,
    pub upgrade_sql: String,
    pub downgrade_sql: String,
}

impl Default for NewRevision {
    /// A transactional revision with no parents, message or SQL.
    fn default() -> Self {
        NewRevision {
            revision: None,
            parents: Vec::new(),
            message: String::new(),
            branch_labels: Vec::new(),
            depends_on: Vec::new(),
            transactional: true,
            upgrade_sql: String::new(),
            downgrade_sql: String::new(),
        }
    }
}

/// A random revision id: 12 lowercase hex characters.
pub fn new_revision_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

/// The message as a file-name fragment: lowercase ASCII letters, digits and `_`,
/// at most 40 characters, ending on a whole word (a single word longer than
/// that is cut), never empty (`revision`), so never a path.
pub fn slug(message: &str) -> String {
    const MAX: usize = 40;
    let mut slug = String::new();
    let words = message
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase);
    for word in words {
        let separator = usize::from(!slug.is_empty());
        if slug.len() + separator + word.len() > MAX {
            if slug.is_empty() {
                slug = word[..MAX].to_string();
            }
            break;
        }
        if separator == 1 {
            slug.push('_');
        }
        slug.push_str(&word);
    }
    if slug.is_empty() {
        "revision".to_string()
    } else {
        slug
    }
}

/// `YYYYMMDD_HHMMSS_<slug>.sql`: the stamp sorts names in creation order.
pub fn file_name(stamp: NaiveDateTime, message: &str) -> String {
    format!("{}_{}.sql", stamp.format(STAMP_FORMAT), slug(message))
}

const STAMP_FORMAT: &str = "%Y%m%d_%H%M%S";

/// The stamp a new file's name starts with: its creation time (UTC), or one
/// second after the newest stamp already in the directory when the clock says
/// otherwise (two files in the same second, a clock behind), so that sorting
/// the names sorts the files in the order they were created.
pub fn next_stamp<'n>(
    created: DateTime<Utc>,
    existing: impl IntoIterator<Item = &'n str>,
) -> NaiveDateTime {
    let now = created
        .naive_utc()
        .with_nanosecond(0)
        .unwrap_or(created.naive_utc());
    existing
        .into_iter()
        .filter_map(name_stamp)
        .max()
        .map_or(now, |newest| now.max(newest + chrono::Duration::seconds(1)))
}

/// The stamp a file name starts with: `YYYYMMDD_HHMMSS_...`, or the older
/// `YYYYMMDD_HHMM_...` (read as that minute's last second, since its names
/// sort after every `HHMMSS` name of the same minute).
pub fn name_stamp(name: &str) -> Option<NaiveDateTime> {
    let digits = |text: &str| text.bytes().all(|b| b.is_ascii_digit());
    let mut parts = name.splitn(3, '_');
    let (date, time) = (parts.next()?, parts.next()?);
    if date.len() != 8 || !digits(date) || !digits(time) {
        return None;
    }
    let time = match time.len() {
        6 => time.to_string(),
        4 => format!("{time}59"),
        _ => return None,
    };
    NaiveDateTime::parse_from_str(&format!("{date}_{time}"), STAMP_FORMAT).ok()
}

/// The text of the new file, with `revision` as its id.
pub fn render(new: &NewRevision, revision: &str, created: DateTime<Utc>) -> String {
    let mut out = String::new();
    let mut line = |name: &str, value: &str| {
        out.push_str(format!("-- forge:{name:<10} {value}").trim_end());
        out.push('\n');
    };
    line("revision", revision);
    if !new.parents.is_empty() {
        line("parents", &new.parents.join(" "));
    }
    // The header is line-based: a multi-line message is folded into one line.
    line(
        "message",
        &new.message.split_whitespace().collect::<Vec<_>>().join(" "),
    );
    line(
        "created",
        &created.to_rfc3339_opts(SecondsFormat::Secs, true),
    );
    if !new.branch_labels.is_empty() {
        line("branch", &new.branch_labels.join(" "));
    }
    if !new.depends_on.is_empty() {
        line("depends-on", &new.depends_on.join(" "));
    }
    if !new.transactional {
        line("transaction", "off");
    }
    section(&mut out, "upgrade", &new.upgrade_sql);
    section(&mut out, "downgrade", &new.downgrade_sql);
    out
}

fn section(out: &mut String, name: &str, sql: &str) {
    out.push_str(&format!("\n-- forge:{name}\n"));
    let sql = sql.trim_matches(|c| c == '\n' || c == '\r');
    if sql.trim().is_empty() {
        // An empty section reads as an oversight without a word saying it is deliberate.
        out.push_str(&format!("-- (no {name} statements)\n"));
    } else {
        out.push_str(sql.trim_end());
        out.push('\n');
    }
}

/// Writes the new revision into `dir` (created if needed) and returns its path and
/// id. An existing file is never overwritten: if the name is taken the revision
/// id joins it (`..._<slug>_<id>.sql`), and files are created with `create_new`
/// so a concurrent writer cannot overwrite either.
pub fn write_revision(
    dir: &Path,
    new: &NewRevision,
    created: DateTime<Utc>,
) -> Result<(PathBuf, String), ScriptError> {
    let new = &NewRevision {
        revision: Some(new.revision.clone().unwrap_or_else(new_revision_id)),
        ..new.clone()
    };
    let existing = existing_names(dir);
    let stamp = next_stamp(created, existing.iter().map(String::as_str));
    // Whatever is written must read back: a bad id, label or unterminated quote
    // is reported now, and no file is left behind.
    let text = render(new, new.revision.as_deref().unwrap_or_default(), created);
    MigrationScript::parse(&dir.join(file_name(stamp, &new.message)), &text)?;
    std::fs::create_dir_all(dir).map_err(|source| ScriptError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    write_at(dir, new, created, stamp)
}

/// Writes the file named with `stamp`: the plain name, or with the revision id
/// joined when another writer took it since the directory was read.
fn write_at(
    dir: &Path,
    new: &NewRevision,
    created: DateTime<Utc>,
    stamp: NaiveDateTime,
) -> Result<(PathBuf, String), ScriptError> {
    let revision = new.revision.clone().unwrap_or_else(new_revision_id);
    let text = render(new, &revision, created);
    let plain = dir.join(file_name(stamp, &new.message));
    let with_id = dir.join(format!(
        "{}_{}_{revision}.sql",
        stamp.format(STAMP_FORMAT),
        slug(&new.message)
    ));
    for path in [plain, with_id.clone()] {
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                file.write_all(text.as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(|source| ScriptError::Io {
                        path: path.clone(),
                        source,
                    })?;
                return Ok((path, revision));
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(ScriptError::Io { path, source }),
        }
    }
    Err(ScriptError::FileExists { path: with_id })
}

/// The names of the migration files already in `dir` (none if it does not exist).
fn existing_names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|name| name.ends_with(".sql"))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::directory::tests::TempDir;
    use super::super::migration::is_revision_id;
    use super::*;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 12, 24, 3, 27, 41).unwrap()
    }

    fn new(message: &str) -> NewRevision {
        NewRevision {
            revision: Some("19becf30b774".into()),
            parents: vec!["3f2a9c1d0b7e".into()],
            message: message.into(),
            transactional: true,
            upgrade_sql: "ALTER TABLE \"users\" ADD COLUMN \"phone_number\" varchar(20);".into(),
            downgrade_sql: "ALTER TABLE \"users\" DROP COLUMN \"phone_number\";".into(),
            ..NewRevision::default()
        }
    }

    #[test]
    fn revision_ids_are_random_twelve_hex() {
        let (a, b) = (new_revision_id(), new_revision_id());
        assert!(is_revision_id(&a) && is_revision_id(&b));
        assert_ne!(a, b);
    }

    #[test]
    fn slug_rules() {
        assert_eq!(slug("add user phone number"), "add_user_phone_number");
        assert_eq!(slug("Add Users' Phone-Number!"), "add_users_phone_number");
        assert_eq!(slug("../../etc/passwd"), "etc_passwd");
        assert_eq!(slug("café crème"), "caf_cr_me");
        assert_eq!(slug(""), "revision");
        assert_eq!(slug("!!! ///"), "revision");
        let long = slug("a very long message that goes on and on about many things");
        assert!(long.len() <= 40, "{long}");
        assert_eq!(long, "a_very_long_message_that_goes_on_and_on");
        assert_eq!(
            slug("abcdefghijklmnopqrstuvwxyzabcdefghijklm nop"),
            "abcdefghijklmnopqrstuvwxyzabcdefghijklm"
        );
    }

    #[test]
    fn slugs_end_on_a_whole_word() {
        assert_eq!(
            slug("add the customer loyalty points balance column to users"),
            "add_the_customer_loyalty_points_balance"
        );
        assert_eq!(
            slug("drop legacy unused denormalized reporting tables"),
            "drop_legacy_unused_denormalized"
        );
        // A single word longer than the limit has nowhere else to end.
        assert_eq!(slug(&"x".repeat(50)), "x".repeat(40));
    }

    #[test]
    fn file_names_start_with_the_utc_date_and_time_to_the_second() {
        assert_eq!(
            file_name(at().naive_utc(), "add user phone number"),
            "20251224_032741_add_user_phone_number.sql"
        );
    }

    #[test]
    fn stamps_are_read_from_both_name_forms() {
        let stamp = |text: &str| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(
            name_stamp("20251224_032741_add.sql"),
            Some(stamp("2025-12-24 03:27:41"))
        );
        assert_eq!(
            name_stamp("20251224_0327_add.sql"),
            Some(stamp("2025-12-24 03:27:59"))
        );
        assert_eq!(name_stamp("0001_initial.sql"), None);
        assert_eq!(name_stamp("20251224_03_x.sql"), None);
    }

    #[test]
    fn a_new_stamp_sorts_after_every_existing_name() {
        let now = at();
        // Nothing newer: the creation time.
        assert_eq!(next_stamp(now, ["20251224_032740_a.sql"]), now.naive_utc());
        // The same second (autogenerate writing two files): one second later.
        let same = next_stamp(now, ["20251224_032741_a.sql"]);
        assert_eq!(file_name(same, "b"), "20251224_032742_b.sql");
        // An old-style name of the same minute sorts after `0327SS`: the next minute.
        let old = next_stamp(now, ["20251224_0327_a.sql"]);
        assert_eq!(file_name(old, "b"), "20251224_032800_b.sql");
        let mut names = ["20251224_0327_a.sql".to_string(), file_name(old, "b")];
        names.sort();
        assert_eq!(names[1], "20251224_032800_b.sql");
    }

    #[test]
    fn renders_the_design_format() {
        let text = render(&new("add user phone number"), "19becf30b774", at());
        assert_eq!(
            text,
            "\
-- forge:revision   19becf30b774
-- forge:parents    3f2a9c1d0b7e
-- forge:message    add user phone number
-- forge:created    2025-12-24T03:27:41Z

-- forge:upgrade
ALTER TABLE \"users\" ADD COLUMN \"phone_number\" varchar(20);

-- forge:downgrade
ALTER TABLE \"users\" DROP COLUMN \"phone_number\";
"
        );
    }

    #[test]
    fn renders_optional_headers_and_empty_sections() {
        let mut n = new("merge");
        n.parents = vec!["aaaaaaaaaaaa".into(), "bbbbbbbbbbbb".into()];
        n.branch_labels = vec!["feature_a".into()];
        n.depends_on = vec!["cccccccccccc".into()];
        n.transactional = false;
        n.upgrade_sql.clear();
        n.downgrade_sql = "\n\n".into();
        let text = render(&n, "19becf30b774", at());
        assert!(text.contains("-- forge:parents    aaaaaaaaaaaa bbbbbbbbbbbb\n"));
        assert!(text.contains("-- forge:branch     feature_a\n"));
        assert!(text.contains("-- forge:depends-on cccccccccccc\n"));
        assert!(text.contains("-- forge:transaction off\n"));
        assert!(text.contains("-- forge:upgrade\n-- (no upgrade statements)\n"));
        assert!(text.contains("-- forge:downgrade\n-- (no downgrade statements)\n"));
    }

    #[test]
    fn a_root_has_no_parents_line() {
        let mut n = new("init");
        n.parents.clear();
        assert!(!render(&n, "19becf30b774", at()).contains("parents"));
    }

    #[test]
    fn multi_line_messages_are_folded() {
        let text = render(&new("first line\nsecond line"), "19becf30b774", at());
        assert!(text.contains("-- forge:message    first line second line\n"));
    }

    #[test]
    fn write_then_parse_round_trips() {
        let dir = TempDir::new("write");
        let mut n = new("add user phone number");
        n.parents = vec!["aaaaaaaaaaaa".into(), "bbbbbbbbbbbb".into()];
        n.branch_labels = vec!["feature_a".into(), "b2".into()];
        n.depends_on = vec!["cccccccccccc".into()];
        n.transactional = false;
        n.upgrade_sql = "CREATE INDEX CONCURRENTLY i ON t (a);\n\nUPDATE t SET a = 'x;y';\n".into();
        let (path, id) = write_revision(&dir.0, &n, at()).unwrap();
        assert_eq!(id, "19becf30b774");
        assert_eq!(
            path,
            dir.0.join("20251224_032741_add_user_phone_number.sql")
        );
        let s = MigrationScript::from_file(&path).unwrap();
        assert_eq!(s.revision, id);
        assert_eq!(s.parents, n.parents);
        assert_eq!(s.message, n.message);
        assert_eq!(s.created, Some(at()));
        assert_eq!(s.branch_labels, n.branch_labels);
        assert_eq!(s.depends_on, n.depends_on);
        assert!(!s.transactional);
        assert_eq!(s.upgrade.sql, n.upgrade_sql.trim_end());
        assert_eq!(s.upgrade.statements.len(), 2);
        assert_eq!(s.downgrade.unwrap().sql, n.downgrade_sql);
    }

    #[test]
    fn a_generated_id_is_used_when_none_is_given() {
        let dir = TempDir::new("gen");
        let mut n = new("x");
        n.revision = None;
        let (path, id) = write_revision(&dir.0, &n, at()).unwrap();
        assert!(is_revision_id(&id));
        assert_eq!(MigrationScript::from_file(&path).unwrap().revision, id);
    }

    #[test]
    fn a_name_collision_adds_the_revision_id_and_never_overwrites() {
        let dir = TempDir::new("collide");
        let stamp = at().naive_utc();
        // Another writer took the name between the directory scan and the write.
        let taken = dir.0.join("20251224_032741_add_user_phone_number.sql");
        std::fs::write(&taken, "keep me").unwrap();
        let (path, _) = write_at(&dir.0, &new("add user phone number"), at(), stamp).unwrap();
        assert_eq!(
            path,
            dir.0
                .join("20251224_032741_add_user_phone_number_19becf30b774.sql")
        );
        assert_eq!(std::fs::read_to_string(&taken).unwrap(), "keep me");
        let err = write_at(&dir.0, &new("add user phone number"), at(), stamp).unwrap_err();
        assert!(err.to_string().contains("nothing was overwritten"), "{err}");
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .contains("19becf30b774"));
    }

    #[test]
    fn files_written_in_the_same_second_sort_in_creation_order() {
        let dir = TempDir::new("order");
        let names: Vec<String> = ["zebra", "apple", "mango"]
            .iter()
            .enumerate()
            .map(|(i, message)| {
                let mut n = new(message);
                n.revision = Some(format!("{i:012}"));
                let (path, _) = write_revision(&dir.0, &n, at()).unwrap();
                path.file_name().unwrap().to_str().unwrap().to_string()
            })
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(sorted, names);
        assert_eq!(names[2], "20251224_032743_mango.sql");
    }

    #[test]
    fn the_default_is_transactional() {
        assert!(NewRevision::default().transactional);
    }

    #[test]
    fn a_revision_that_would_not_read_back_is_not_written() {
        let dir = TempDir::new("invalid");
        let mut n = new("x");
        n.parents = vec!["not-an-id".into()];
        let err = write_revision(&dir.0, &n, at()).unwrap_err().to_string();
        assert!(
            err.contains("`not-an-id` in `-- forge:parents` is not a revision id"),
            "{err}"
        );
        let mut n = new("x");
        n.upgrade_sql = "SELECT 'oops;".into();
        let err = write_revision(&dir.0, &n, at()).unwrap_err().to_string();
        assert!(err.contains("unterminated string literal"), "{err}");
        assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 0);
    }

    #[test]
    fn the_directory_is_created_if_missing() {
        let dir = TempDir::new("mkdir");
        let nested = dir.0.join("migrations/versions");
        let (path, _) = write_revision(&nested, &new("x"), at()).unwrap();
        assert!(path.starts_with(&nested));
    }
}
