//! Progress of a run: one line per migration once it is applied (the runner
//! reports a migration only when its commit is durable, so a line may come
//! a moment after the next migration started); on a terminal, the migration
//! running now is shown on a status line that the next report replaces.

use forge_core::graph::{Direction, Step};
use forge_core::runner::{Applied, ChangedMigration, LockHolder, Progress};

use crate::output::Output;

pub(crate) struct Printer<'o, 'a> {
    pub out: &'o mut Output<'a>,
    /// The status line shown on a terminal: the migration running now.
    running: Option<(String, String)>,
}

/// A run that ended before its last migration finished leaves the status
/// line open: end it, so what follows starts on a line of its own.
impl Drop for Printer<'_, '_> {
    fn drop(&mut self) {
        if self.running.is_some() {
            let _ = self.out.text("\n");
        }
    }
}

impl<'o, 'a> Printer<'o, 'a> {
    pub(crate) fn new(out: &'o mut Output<'a>) -> Self {
        Printer { out, running: None }
    }
}

/// Carriage return and "erase the line": the status line is redrawn in place.
const REDRAW: &str = "\r\x1b[2K";

fn verb(direction: Direction) -> &'static str {
    match direction {
        Direction::Up => "upgrade",
        Direction::Down => "downgrade",
    }
}

impl Progress for Printer<'_, '_> {
    fn lock_busy(&mut self, holder: &LockHolder) {
        let _ = self
            .out
            .line(format!("waiting for the migration lock, held by {holder}"));
    }

    fn started(&mut self, step: &Step<'_>) {
        if self.out.is_terminal() {
            let status = format!(
                "  {:<9} {}  {} ...",
                verb(step.direction),
                step.revision.revision,
                step.revision.message
            );
            let _ = self.out.text(format!("{REDRAW}{status}"));
            self.running = Some((step.revision.revision.clone(), status));
        }
    }

    fn finished(&mut self, applied: &Applied) {
        let ms = applied.duration.as_secs_f64() * 1000.0;
        if !self.out.is_terminal() {
            let _ = self.out.line(format!(
                "{} {} {} ({ms:.1} ms)",
                verb(applied.direction),
                applied.revision,
                applied.message
            ));
            return;
        }
        let _ = self.out.text(format!(
            "{REDRAW}  {:<9} {}  {} done ({ms:.1} ms)\n",
            verb(applied.direction),
            applied.revision,
            applied.message
        ));
        match &self.running {
            Some((revision, _)) if *revision == applied.revision => self.running = None,
            Some((_, status)) => {
                let _ = self.out.text(status.clone());
            }
            None => {}
        }
    }

    fn accepted(&mut self, changed: &ChangedMigration) {
        let _ = self.out.line(format!(
            "accepted the changed file of revision {} ({}); recorded checksum {}",
            changed.revision,
            changed.file.display(),
            changed.current
        ));
    }
}
