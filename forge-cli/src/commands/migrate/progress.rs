//! Progress of a run: on a terminal, each migration's line is written when it
//! starts and completed with its duration; piped, one plain line per migration.

use forge_core::graph::{Direction, Step};
use forge_core::runner::{Applied, ChangedMigration, LockHolder, Progress};

use crate::output::Output;

pub(crate) struct Printer<'o, 'a> {
    pub out: &'o mut Output<'a>,
}

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
            let _ = self.out.text(format!(
                "  {:<9} {}  {} ...",
                verb(step.direction),
                step.revision.revision,
                step.revision.message
            ));
        }
    }

    fn finished(&mut self, applied: &Applied) {
        let ms = applied.duration.as_secs_f64() * 1000.0;
        if self.out.is_terminal() {
            let _ = self.out.line(format!(" done ({ms:.1} ms)"));
        } else {
            let _ = self.out.line(format!(
                "{} {} {} ({ms:.1} ms)",
                verb(applied.direction),
                applied.revision,
                applied.message
            ));
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
