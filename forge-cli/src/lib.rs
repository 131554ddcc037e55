//! Forge's command line as a library. An app's binary is two lines:
//!
//! ```ignore
//! use my_app as _; // link the entities
//! fn main() -> std::process::ExitCode { forge_cli::main() }
//! ```
//!
//! Exit codes: 0 success, 1 the command ran and found a problem (drift,
//! pending migrations for `check`, a FAIL in verify), 2 bad input or an error.

mod cli;
mod commands;
pub mod config;
mod failure;
mod k8s;
mod output;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub use failure::Failure;
pub use output::Output;

/// Runs the command line of the current process.
pub fn main() -> ExitCode {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let terminal = std::io::IsTerminal::is_terminal(&stdout);
    run(
        std::env::args_os(),
        &mut stdout.lock(),
        &mut stderr.lock(),
        terminal,
    )
}

/// Runs a command line, writing its output to `out` and its errors to `err`.
/// `terminal` says whether `out` is a terminal (progress and tables) or not
/// (plain output for pipes and tests).
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write, terminal: bool) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let text = e.render().to_string();
            let _ = if code == 0 {
                out.write_all(text.as_bytes())
            } else {
                err.write_all(text.as_bytes())
            };
            return ExitCode::from(code);
        }
    };
    let mut output = Output::new(out, terminal);
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::error(format!("cannot start the async runtime: {e}")))
        .and_then(|runtime| runtime.block_on(commands::exec(cli, &mut output)));
    match result {
        Ok(code) => code,
        Err(failure) if failure.is_silent() => ExitCode::from(failure.exit_code()),
        Err(failure) => {
            let _ = writeln!(err, "error: {}", failure.message());
            if let Some(hint) = failure.hint() {
                let _ = writeln!(err, "hint: {hint}");
            }
            ExitCode::from(failure.exit_code())
        }
    }
}
