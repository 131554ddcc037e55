//! The live progress line of a long migration, on a terminal only: which
//! migration runs, statement n of m, and the time it has taken so far,
//! redrawn in place on stderr. Piped output (CI logs) never sees it.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Shared by the run's progress printer (which migration), the log's runner
/// events (which statement) and a ticker that redraws it.
#[derive(Clone, Default)]
pub struct LiveLine(Arc<Mutex<State>>);

#[derive(Default)]
struct State {
    label: Option<String>,
    started: Option<Instant>,
    statement: Option<(usize, usize)>,
    drawn: bool,
}

/// A migration shorter than this never shows the line: it would only flicker.
const SHOW_AFTER: Duration = Duration::from_millis(300);
/// How often the elapsed time is redrawn.
pub const REDRAW_EVERY: Duration = Duration::from_millis(100);

impl LiveLine {
    /// A migration started.
    pub fn begin(&self, label: String) {
        self.update(|state| {
            *state = State {
                label: Some(label),
                started: Some(Instant::now()),
                statement: None,
                drawn: state.drawn,
            }
        });
    }

    /// The runner started statement `number` of `of` in the current migration.
    pub fn statement(&self, number: usize, of: usize) {
        self.update(|state| state.statement = Some((number, of)));
    }

    /// The migration ended: the line is erased so a permanent one can take its place.
    pub fn end(&self) {
        self.update(|state| {
            state.label = None;
            state.started = None;
            state.statement = None;
        });
        self.erase();
    }

    /// Redraws the line (the ticker's job).
    pub fn draw(&self) {
        let text = {
            let Ok(mut state) = self.0.lock() else { return };
            let (Some(label), Some(started)) = (&state.label, state.started) else {
                return;
            };
            let elapsed = started.elapsed();
            if elapsed < SHOW_AFTER {
                return;
            }
            let text = describe(label, state.statement, elapsed);
            state.drawn = true;
            text
        };
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2K{text}");
        let _ = stderr.flush();
    }

    /// Clears the line from the terminal, if it is drawn (something else is about to write there).
    pub fn erase(&self) {
        let drawn = self.0.lock().map(|mut s| std::mem::take(&mut s.drawn));
        if drawn.unwrap_or(false) {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r\x1b[2K");
            let _ = stderr.flush();
        }
    }

    fn update(&self, change: impl FnOnce(&mut State)) {
        if let Ok(mut state) = self.0.lock() {
            change(&mut state);
        }
    }
}

/// `  upgrade abc123 add index: statement 2 of 5, 12.3s`
fn describe(label: &str, statement: Option<(usize, usize)>, elapsed: Duration) -> String {
    match statement {
        Some((n, of)) => format!(
            "  {label}: statement {n} of {of}, {:.1}s",
            elapsed.as_secs_f64()
        ),
        None => format!("  {label}: {:.1}s", elapsed.as_secs_f64()),
    }
}

/// Runs `work` while redrawing `live` (when there is one) every
/// [`REDRAW_EVERY`]; the line is erased when the work ends.
pub async fn while_running<F: std::future::Future>(live: Option<&LiveLine>, work: F) -> F::Output {
    let Some(live) = live else {
        return work.await;
    };
    tokio::pin!(work);
    let output = loop {
        tokio::select! {
            output = &mut work => break output,
            _ = tokio::time::sleep(REDRAW_EVERY) => live.draw(),
        }
    };
    live.end();
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_which_statement_and_how_long() {
        assert_eq!(
            describe(
                "upgrade abc add index",
                Some((2, 5)),
                Duration::from_millis(12_340)
            ),
            "  upgrade abc add index: statement 2 of 5, 12.3s"
        );
        assert_eq!(
            describe("upgrade abc", None, Duration::from_millis(500)),
            "  upgrade abc: 0.5s"
        );
    }
}
