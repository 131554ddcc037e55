//! Where commands write: a writer passed in (stdout in the binary, a buffer in
//! tests) and how to present it — a terminal (colour when allowed, progress)
//! or a pipe (plain lines) — and the JSON shape every `--json` shares.

use std::io::Write;

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use crate::failure::Failure;
use crate::live::LiveLine;

/// The version of the JSON every `--json` prints: one object whose first key
/// is `"format_version"`. Raised when a field is removed or changes meaning
/// (adding a field does not raise it).
pub const JSON_FORMAT_VERSION: u32 = 1;

/// How output is presented, decided once per run.
#[derive(Clone, Default)]
pub struct Presentation {
    /// stdout is a terminal: progress is drawn for a person, not logged for CI.
    pub terminal: bool,
    /// ANSI colour on stdout (a terminal, `--color`, `NO_COLOR`).
    pub colour: bool,
    /// `-q`: no progress lines.
    pub quiet: bool,
    /// `-v`: commands with a detailed form show it (`current`, `heads`, `history`).
    pub verbose: bool,
    /// The live progress line on stderr, when stderr is a terminal.
    pub live: Option<LiveLine>,
}

impl From<bool> for Presentation {
    /// A plain presentation: `terminal` or not, no colour.
    fn from(terminal: bool) -> Self {
        Presentation {
            terminal,
            ..Presentation::default()
        }
    }
}

/// What a piece of text means, which picks its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Ok,
    Warn,
    Fail,
    /// Less important (timings, hints).
    Dim,
    /// Stands out (the current revision, a heading).
    Strong,
}

impl Tone {
    fn style(self) -> Style {
        match self {
            Tone::Ok => Style::new().fg_color(Some(AnsiColor::Green.into())),
            Tone::Warn => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            Tone::Fail => Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
            Tone::Dim => Style::new().dimmed(),
            Tone::Strong => Style::new().bold(),
        }
    }
}

/// `text` in the tone's colour when `colour` is on, else as is.
pub fn paint(colour: bool, tone: Tone, text: &str) -> String {
    if colour {
        let style = tone.style();
        format!("{style}{text}{style:#}")
    } else {
        text.to_string()
    }
}

pub struct Output<'a> {
    out: &'a mut dyn Write,
    presentation: Presentation,
}

impl<'a> Output<'a> {
    pub fn new(out: &'a mut dyn Write, presentation: impl Into<Presentation>) -> Self {
        Output {
            out,
            presentation: presentation.into(),
        }
    }

    pub fn is_terminal(&self) -> bool {
        self.presentation.terminal
    }

    /// How this output is presented, to carry over to a wrapping writer.
    pub fn presentation(&self) -> Presentation {
        self.presentation.clone()
    }

    pub fn is_quiet(&self) -> bool {
        self.presentation.quiet
    }

    pub fn is_verbose(&self) -> bool {
        self.presentation.verbose
    }

    /// The live progress line, when stderr is a terminal and not `-q`.
    pub fn live(&self) -> Option<&LiveLine> {
        self.presentation.live.as_ref()
    }

    /// `text` in the tone's colour, when this output is coloured.
    pub fn paint(&self, tone: Tone, text: &str) -> String {
        paint(self.presentation.colour, tone, text)
    }

    /// Writes one line.
    pub fn line(&mut self, text: impl AsRef<str>) -> Result<(), Failure> {
        writeln!(self.out, "{}", text.as_ref()).map_err(write_failed)
    }

    /// Writes text as is.
    pub fn text(&mut self, text: impl AsRef<str>) -> Result<(), Failure> {
        self.out
            .write_all(text.as_ref().as_bytes())
            .map_err(write_failed)?;
        self.out.flush().map_err(write_failed)
    }

    /// Writes `value` (a struct: its fields become the object's keys) as
    /// pretty JSON, after `"format_version"`, followed by a newline.
    pub fn json<T: Serialize>(&mut self, value: &T) -> Result<(), Failure> {
        self.line(json_text(value)?)
    }

    /// Writes rows as aligned columns (a readable table on a terminal, the same
    /// text when piped: a stable format is easier to grep than one that changes).
    pub fn table(&mut self, header: &[&str], rows: &[Vec<String>]) -> Result<(), Failure> {
        let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        self.aligned(Some(&header), rows)
    }

    /// Writes rows as aligned columns, without a header.
    pub fn rows(&mut self, rows: &[Vec<String>]) -> Result<(), Failure> {
        self.aligned(None, rows)
    }

    fn aligned(
        &mut self,
        header: Option<&Vec<String>>,
        rows: &[Vec<String>],
    ) -> Result<(), Failure> {
        let columns = header
            .map(Vec::len)
            .or_else(|| rows.first().map(Vec::len))
            .unwrap_or(0);
        let mut widths: Vec<usize> = vec![0; columns];
        for row in header.into_iter().chain(rows) {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(visible_width(cell));
            }
        }
        let render = |cells: &mut dyn Iterator<Item = &str>| -> String {
            let mut line = String::new();
            for (i, cell) in cells.enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                line.push_str(cell);
                if i + 1 < widths.len() {
                    line.push_str(&" ".repeat(widths[i] - visible_width(cell)));
                }
            }
            line.trim_end().to_string()
        };
        for row in header.into_iter().chain(rows) {
            self.line(render(&mut row.iter().map(String::as_str)))?;
        }
        Ok(())
    }
}

/// How many columns `text` takes on a terminal: ANSI colour codes take none.
fn visible_width(text: &str) -> usize {
    let mut width = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ parameters... final byte in @..~
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) && c != '[' {
                    break;
                }
            }
        } else {
            width += 1;
        }
    }
    width
}

/// The shared `--json` shape: `{"format_version": 1, ...the value's fields}`.
pub fn json_text<T: Serialize>(value: &T) -> Result<String, Failure> {
    #[derive(Serialize)]
    struct Versioned<'v, T> {
        format_version: u32,
        #[serde(flatten)]
        body: &'v T,
    }
    let failed = |e: serde_json::Error| Failure::error(format!("cannot write JSON: {e}"));
    // A value that already carries its version is written as it is (a key twice is no JSON).
    let versioned = serde_json::to_value(value)
        .map_err(failed)?
        .as_object()
        .is_some_and(|object| object.contains_key("format_version"));
    if versioned {
        return serde_json::to_string_pretty(value).map_err(failed);
    }
    serde_json::to_string_pretty(&Versioned {
        format_version: JSON_FORMAT_VERSION,
        body: value,
    })
    .map_err(failed)
}

fn write_failed(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Failure::reader_gone();
    }
    Failure::error(format!("cannot write the output: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_output_is_one_object_whose_first_key_is_the_format_version() {
        #[derive(Serialize)]
        struct Heads {
            heads: Vec<&'static str>,
        }
        let text = json_text(&Heads { heads: vec!["abc"] }).unwrap();
        assert!(
            text.starts_with("{\n  \"format_version\": 1,\n  \"heads\""),
            "{text}"
        );
    }

    #[test]
    fn a_value_that_carries_its_own_version_is_not_wrapped_twice() {
        #[derive(Serialize)]
        struct Report {
            format_version: u32,
            ok: bool,
        }
        let text = json_text(&Report {
            format_version: 1,
            ok: true,
        })
        .unwrap();
        assert_eq!(text.matches("format_version").count(), 1, "{text}");
        assert!(text.starts_with("{\n  \"format_version\": 1,"), "{text}");
    }

    #[test]
    fn coloured_cells_line_up_like_plain_ones() {
        let mut buffer = Vec::new();
        let mut out = Output::new(&mut buffer, true);
        out.rows(&[
            vec![paint(true, Tone::Ok, "OK"), "a".into()],
            vec![paint(true, Tone::Fail, "FAIL"), "b".into()],
        ])
        .unwrap();
        let text = String::from_utf8(buffer).unwrap();
        let plain: Vec<String> = text
            .lines()
            .map(|l| {
                l.replace("\x1b[32m", "")
                    .replace("\x1b[0m", "")
                    .replace("\x1b[1m\x1b[31m", "")
            })
            .collect();
        assert_eq!(plain, ["OK    a", "FAIL  b"], "{text:?}");
    }

    #[test]
    fn colour_only_when_asked() {
        assert_eq!(paint(false, Tone::Ok, "OK"), "OK");
        assert_eq!(paint(true, Tone::Ok, "OK"), "\x1b[32mOK\x1b[0m");
    }
}
