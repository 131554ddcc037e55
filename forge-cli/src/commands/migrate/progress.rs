//! Progress of a run. On a terminal: a live line on stderr while a migration
//! runs (statement n of m, elapsed), then one permanent line with its
//! duration. Piped (CI logs): one plain line per migration. `-q` and `--json`:
//! nothing on stdout (the log at -v still says every step).

use forge_core::graph::{Direction, Step};
use forge_core::runner::{Applied, ChangedMigration, LockHolder, Progress};

use crate::output::{Output, Tone};

pub(crate) struct Printer<'o, 'a> {
    out: &'o mut Output<'a>,
    /// Nothing goes to stdout (`-q`, or stdout carries JSON).
    silent: bool,
    /// A partial `upgrade abc ...` line waits on stdout for its ` done`.
    open_line: bool,
}

impl<'o, 'a> Printer<'o, 'a> {
    pub(crate) fn new(out: &'o mut Output<'a>, json: bool) -> Self {
        let silent = json || out.is_quiet();
        Printer {
            out,
            silent,
            open_line: false,
        }
    }

    /// The live line goes on while the run is silent on stdout: it is on stderr.
    pub(crate) fn live(&self) -> Option<crate::live::LiveLine> {
        self.out.live().cloned()
    }
}

fn verb(direction: Direction) -> &'static str {
    match direction {
        Direction::Up => "upgrade",
        Direction::Down => "downgrade",
    }
}

impl Progress for Printer<'_, '_> {
    fn lock_busy(&mut self, holder: &LockHolder) {
        tracing::info!(%holder, "waiting for the migration lock");
        if !self.silent {
            let _ = self
                .out
                .line(format!("waiting for the migration lock, held by {holder}"));
        }
    }

    fn started(&mut self, step: &Step<'_>) {
        let label = format!(
            "{} {}  {}",
            verb(step.direction),
            step.revision.revision,
            step.revision.message
        );
        if let Some(live) = self.out.live() {
            live.begin(label);
            return;
        }
        if self.out.is_terminal() && !self.silent {
            let _ = self.out.text(format!(
                "  {:<9} {}  {} ...",
                verb(step.direction),
                step.revision.revision,
                step.revision.message
            ));
            self.open_line = true;
        }
    }

    fn finished(&mut self, applied: &Applied) {
        if let Some(live) = self.out.live() {
            live.end();
        }
        if self.silent {
            return;
        }
        let ms = applied.duration.as_secs_f64() * 1000.0;
        let timing = self.out.paint(Tone::Dim, &format!("({ms:.1} ms)"));
        if std::mem::take(&mut self.open_line) {
            let done = self.out.paint(Tone::Ok, "done");
            let _ = self.out.line(format!(" {done} {timing}"));
        } else if self.out.is_terminal() {
            let _ = self.out.line(format!(
                "  {:<9} {}  {} {} {timing}",
                verb(applied.direction),
                applied.revision,
                applied.message,
                self.out.paint(Tone::Ok, "done"),
            ));
        } else {
            let _ = self.out.line(format!(
                "{} {} {} {timing}",
                verb(applied.direction),
                applied.revision,
                applied.message
            ));
        }
    }

    fn accepted(&mut self, changed: &ChangedMigration) {
        if self.silent {
            return;
        }
        let _ = self.out.line(format!(
            "accepted the changed file of revision {} ({}); recorded checksum {}",
            changed.revision,
            changed.file.display(),
            changed.current
        ));
    }
}
