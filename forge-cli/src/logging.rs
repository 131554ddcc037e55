//! The log on stderr: what Forge and sqlx do, through `tracing`. `-v` shows
//! Forge's steps, `-vv` every SQL statement with its timing, `-vvv`
//! everything; `-q` only errors; `RUST_LOG` (`target=level,...`) decides
//! instead when it is set. Every line is scrubbed of passwords: URL passwords,
//! `PASSWORD '...'` literals in SQL, and the secrets the configuration holds.

use std::fmt::Write as _;
use std::io::Write as _;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use crate::failure::Failure;
use crate::live::LiveLine;
use crate::output::{paint, Tone};

/// Which events are logged: from `-v`/`-q`, or from `RUST_LOG` when it is set.
pub fn filter(verbose: u8, quiet: bool, rust_log: Option<&str>) -> Result<Targets, Failure> {
    if let Some(directives) = rust_log.map(str::trim).filter(|d| !d.is_empty()) {
        return Targets::from_str(directives).map_err(|e| {
            Failure::error(format!("RUST_LOG=`{directives}` is not a log filter ({e})")).with_hint(
                "write `level` or `target=level,...`, e.g. RUST_LOG=debug or RUST_LOG=forge_core=debug,sqlx=info",
            )
        });
    }
    Ok(match (quiet, verbose) {
        (true, _) => Targets::new().with_default(LevelFilter::ERROR),
        // sqlx warns about every statement slower than a second: in a migration
        // that is normal, so those warnings wait for -v.
        (false, 0) => Targets::new()
            .with_default(LevelFilter::WARN)
            .with_target("sqlx::query", LevelFilter::ERROR),
        // The server's NOTICEs (`relation ... already exists, skipping` on
        // every run's bookkeeping) wait for -vv.
        (false, 1) => Targets::new()
            .with_default(LevelFilter::INFO)
            .with_target("sqlx::postgres::notice", LevelFilter::WARN),
        (false, 2) => Targets::new()
            .with_default(LevelFilter::INFO)
            .with_target("forge_core", LevelFilter::DEBUG)
            .with_target("forge_cli", LevelFilter::DEBUG)
            .with_target("sqlx", LevelFilter::DEBUG),
        (false, _) => Targets::new().with_default(LevelFilter::TRACE),
    })
}

/// Texts that must never reach the log (passwords the configuration holds).
#[derive(Clone, Default)]
pub struct Secrets(Arc<Mutex<Vec<String>>>);

impl Secrets {
    pub fn add(&self, secret: &str) {
        // Very short secrets would blank out ordinary words.
        if secret.chars().count() >= 3 {
            if let Ok(mut secrets) = self.0.lock() {
                secrets.push(secret.to_string());
            }
        }
    }

    fn scrub(&self, text: String) -> String {
        let secrets = self.0.lock().map(|s| s.clone()).unwrap_or_default();
        secrets
            .iter()
            .fold(text, |text, secret| text.replace(secret.as_str(), "***"))
    }
}

/// Installs the log for the current thread (the command runs on one) until
/// the guard is dropped. `live`, on a terminal, also hears the runner's
/// statement events, whatever the log's level, to draw its progress line.
pub fn install(
    filter: Targets,
    colour: bool,
    secrets: Secrets,
    live: Option<LiveLine>,
) -> tracing::subscriber::DefaultGuard {
    let lines = LogLines {
        colour,
        secrets,
        started: Instant::now(),
        live: live.clone(),
    }
    .with_filter(filter);
    let progress = live.map(|live| {
        StatementProgress(live)
            .with_filter(Targets::new().with_target("forge_core::runner", LevelFilter::DEBUG))
    });
    let subscriber = tracing_subscriber::registry().with(lines).with(progress);
    tracing::subscriber::set_default(subscriber)
}

/// One line per event on stderr: `0.013s DEBUG target: message key=value`.
struct LogLines {
    colour: bool,
    secrets: Secrets,
    started: Instant,
    /// Erased before a log line is written (the next tick redraws it).
    live: Option<LiveLine>,
}

impl<S: Subscriber> Layer<S> for LogLines {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let metadata = event.metadata();
        let text = scrub_sql_passwords(&forge_core::database::redact_text(&fields.render()));
        let text = self.secrets.scrub(text);
        let level = *metadata.level();
        let tone = match level {
            Level::ERROR => Tone::Fail,
            Level::WARN => Tone::Warn,
            Level::INFO => Tone::Ok,
            _ => Tone::Dim,
        };
        let line = format!(
            "{:>7.3}s {} {}: {text}\n",
            self.started.elapsed().as_secs_f64(),
            paint(self.colour, tone, &format!("{level:>5}")),
            metadata.target(),
        );
        if let Some(live) = &self.live {
            live.erase();
        }
        let stderr = std::io::stderr();
        let mut stderr = stderr.lock();
        let _ = stderr.write_all(line.as_bytes());
    }
}

/// An event's message and fields, in the order they were recorded.
#[derive(Default)]
struct Fields {
    message: String,
    pairs: Vec<(&'static str, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record(field, value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record(field, format!("{value:?}"));
    }
}

impl Fields {
    fn record(&mut self, field: &Field, value: String) {
        if field.name() == "message" {
            self.message = value;
        } else {
            self.pairs.push((field.name(), value));
        }
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// sqlx puts a statement's first words in `summary` and the whole text in
    /// `db.statement` (when longer): the log shows the whole statement, on
    /// one line.
    fn render(&self) -> String {
        let statement = self
            .value("db.statement")
            .filter(|s| !s.trim().is_empty())
            .or(self.value("summary"))
            .map(one_line);
        let mut text = self.message.clone();
        if let Some(statement) = &statement {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(statement);
        }
        for (name, value) in &self.pairs {
            if matches!(*name, "summary" | "db.statement" | "elapsed_secs") {
                continue;
            }
            let _ = write!(text, " {name}={value}");
        }
        text
    }
}

fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `PASSWORD 'secret'` (CREATE/ALTER ROLE in a migration) as `PASSWORD '***'`.
pub fn scrub_sql_passwords(text: &str) -> String {
    const KEYWORD: &str = "password";
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    let mut search = 0;
    while let Some(found) = lower[search..].find(KEYWORD) {
        let after_keyword = search + found + KEYWORD.len();
        search = after_keyword;
        let gap = text[after_keyword..].len() - text[after_keyword..].trim_start().len();
        let literal_start = after_keyword + gap;
        if gap == 0 || !text[literal_start..].starts_with('\'') {
            continue;
        }
        // The literal ends at the first quote not doubled ('' is an escaped quote).
        let body = &text[literal_start + 1..];
        let mut end = None;
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if chars.peek().is_some_and(|(_, next)| *next == '\'') {
                    chars.next();
                } else {
                    end = Some(literal_start + 1 + i);
                    break;
                }
            }
        }
        let end = end.unwrap_or(text.len());
        out.push_str(&text[rest..literal_start]);
        out.push_str("'***'");
        rest = (end + 1).min(text.len());
        search = rest;
    }
    out.push_str(&text[rest..]);
    out
}

/// Feeds the live progress line with the runner's `statement n of m` events.
struct StatementProgress(LiveLine);

impl<S: Subscriber> Layer<S> for StatementProgress {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let number = |name: &str| fields.value(name).and_then(|v| v.parse::<usize>().ok());
        if let (Some(statement), Some(of)) = (number("statement"), number("statements")) {
            self.0.statement(statement, of);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_raises_the_level_and_rust_log_decides_when_set() {
        let enabled = |t: &Targets, target: &str, level: Level| t.would_enable(target, &level);
        let default = filter(0, false, None).unwrap();
        assert!(enabled(&default, "forge_core::runner", Level::WARN));
        assert!(!enabled(&default, "forge_core::runner", Level::INFO));
        assert!(!enabled(&default, "sqlx::query", Level::WARN));
        let v = filter(1, false, None).unwrap();
        assert!(enabled(&v, "forge_core::runner", Level::INFO));
        assert!(!enabled(&v, "sqlx::query", Level::DEBUG));
        assert!(!enabled(&v, "sqlx::postgres::notice", Level::INFO));
        let vv = filter(2, false, None).unwrap();
        assert!(enabled(&vv, "sqlx::query", Level::DEBUG));
        assert!(!enabled(&vv, "sqlx::query", Level::TRACE));
        let quiet = filter(0, true, None).unwrap();
        assert!(!enabled(&quiet, "forge_core", Level::WARN));
        let env = filter(0, false, Some("sqlx=debug")).unwrap();
        assert!(enabled(&env, "sqlx::query", Level::DEBUG));
        assert!(!enabled(&env, "forge_core", Level::ERROR));
        assert!(filter(2, false, Some("  ")).is_ok());
    }

    #[test]
    fn a_bad_rust_log_is_one_sentence_with_a_hint() {
        let failure = filter(0, false, Some("sqlx=loud")).unwrap_err();
        assert!(
            failure.message().contains("RUST_LOG=`sqlx=loud`"),
            "{failure}"
        );
        assert!(failure.hint().unwrap().contains("RUST_LOG=debug"));
    }

    #[test]
    fn password_literals_in_sql_are_scrubbed() {
        assert_eq!(
            scrub_sql_passwords("CREATE ROLE app LOGIN PASSWORD 's3cr''et'; SELECT 1"),
            "CREATE ROLE app LOGIN PASSWORD '***'; SELECT 1"
        );
        assert_eq!(
            scrub_sql_passwords("alter role x encrypted password  'a' valid until 'b'"),
            "alter role x encrypted password  '***' valid until 'b'"
        );
        assert_eq!(
            scrub_sql_passwords("SELECT password FROM t WHERE password = 'x'"),
            "SELECT password FROM t WHERE password = 'x'"
        );
        assert_eq!(scrub_sql_passwords("PASSWORD 'open"), "PASSWORD '***'");
    }

    #[test]
    fn sqlx_statements_are_shown_whole_on_one_line() {
        let fields = Fields {
            message: String::new(),
            pairs: vec![
                ("summary", "INSERT INTO t (a, …".to_string()),
                (
                    "db.statement",
                    "\n\nINSERT INTO t (a, b)\n  VALUES (1, 2)\n".to_string(),
                ),
                ("rows_affected", "1".to_string()),
                ("elapsed", "1.2ms".to_string()),
                ("elapsed_secs", "0.0012".to_string()),
            ],
        };
        assert_eq!(
            fields.render(),
            "INSERT INTO t (a, b) VALUES (1, 2) rows_affected=1 elapsed=1.2ms"
        );
    }
}
