//! Forge's command line as a library. An app's binary is two lines:
//!
//! ```ignore
//! use my_app as _; // link the entities
//! fn main() -> std::process::ExitCode { forge_cli::main_with(forge_cli::app!()) }
//! ```
//!
//! [`app!`] hands the binary's own name and version to the library, so
//! `--version` and the help speak of the app, not of forge-cli;
//! [`main()`] still works and names the binary after the program file.
//!
//! Exit codes: 0 success, 1 the command ran and found a problem (drift,
//! pending migrations for `check`, a FAIL in verify), 2 bad input or an error.

mod cli;
mod commands;
pub mod config;
mod failure;
mod k8s;
mod live;
mod logging;
mod output;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

pub use failure::Failure;
pub use output::{Output, Presentation, JSON_FORMAT_VERSION};

/// Forge's own version (the forge-cli crate's).
pub const FORGE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The app whose binary this is: what `--version` and the help name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct App {
    /// The binary's name (`api-forge-cli`).
    pub name: &'static str,
    /// The app's version, when known.
    pub version: Option<&'static str>,
}

/// The calling binary's [`App`]: its name and its package's version, read
/// when the binary is compiled.
#[macro_export]
macro_rules! app {
    () => {
        $crate::App {
            name: env!("CARGO_BIN_NAME"),
            version: Some(env!("CARGO_PKG_VERSION")),
        }
    };
}

impl App {
    /// Named after the program file of this process; version unknown.
    pub fn from_program() -> App {
        let name = std::env::args_os()
            .next()
            .as_deref()
            .map(std::path::Path::new)
            .and_then(|path| path.file_stem())
            .and_then(|stem| stem.to_str())
            .map(|stem| -> &'static str { Box::leak(stem.to_string().into_boxed_str()) })
            .unwrap_or("api-forge-cli");
        App {
            name,
            version: None,
        }
    }

    /// What `--version` prints after the name: `0.3.1 (Forge 0.1.0)`.
    fn version_line(&self) -> String {
        match self.version {
            Some(version) => format!("{version} (Forge {FORGE_VERSION})"),
            None => format!("(Forge {FORGE_VERSION})"),
        }
    }
}

/// The command-line grammar of `app`'s binary (for help, completions, tests).
pub fn command(app: App) -> clap::Command {
    cli::Cli::command()
        .name(app.name)
        .bin_name(app.name)
        .version(app.version_line())
}

/// Runs the command line of the current process, naming the binary after its
/// program file. Prefer [`main_with`]`(`[`app!`]`())`, which also knows the
/// app's version.
pub fn main() -> ExitCode {
    main_with(App::from_program())
}

/// Runs the command line of the current process as `app`'s binary.
pub fn main_with(app: App) -> ExitCode {
    let stdout = std::io::stdout();
    let terminal = stdout.is_terminal();
    run_with(
        app,
        std::env::args_os(),
        &mut stdout.lock(),
        &mut std::io::stderr(),
        terminal,
    )
}

/// Runs a command line, writing its output to `out` and its errors to `err`.
/// `terminal` says whether `out` is a terminal (progress and colour) or not
/// (plain output for pipes and tests).
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write, terminal: bool) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    run_with(App::from_program(), args, out, err, terminal)
}

/// [`run`] as `app`'s binary. Log lines and the live progress line go to the
/// process's stderr (they are written while the command runs).
pub fn run_with<I, T>(
    app: App,
    args: I,
    out: &mut dyn Write,
    err: &mut dyn Write,
    terminal: bool,
) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let parsed = command(app)
        .try_get_matches_from(args)
        .and_then(|matches| cli::Cli::from_arg_matches(&matches));
    let cli = match parsed {
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
    let stderr_terminal = std::io::stderr().is_terminal();
    let colour = |terminal| {
        wants_colour(
            cli.global.color,
            terminal,
            anstyle_query::no_color(),
            anstyle_query::clicolor_force(),
            anstyle_query::term_supports_color() && anstyle_query::clicolor() != Some(false),
        )
    };
    let err_colour = colour(stderr_terminal);
    let live = (stderr_terminal && !cli.global.quiet).then(live::LiveLine::default);
    let presentation = Presentation {
        terminal,
        colour: colour(terminal),
        quiet: cli.global.quiet,
        verbose: cli.global.verbose > 0,
        live: live.clone(),
    };
    let secrets = logging::Secrets::default();
    let result = logging::filter(
        cli.global.verbose,
        cli.global.quiet,
        std::env::var("RUST_LOG").ok().as_deref(),
    )
    .and_then(|filter| {
        let _log = logging::install(filter, err_colour, secrets.clone(), live);
        let mut output = Output::new(out, presentation);
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::error(format!("cannot start the async runtime: {e}")))
            .and_then(|runtime| runtime.block_on(commands::exec(cli, app, &mut output, &secrets)))
    });
    match result {
        Ok(code) => code,
        Err(failure) if failure.is_silent() => ExitCode::from(failure.exit_code()),
        Err(failure) => {
            let _ = writeln!(
                err,
                "{} {}",
                output::paint(err_colour, output::Tone::Fail, "error:"),
                failure.message()
            );
            if let Some(hint) = failure.hint() {
                let _ = writeln!(
                    err,
                    "{} {hint}",
                    output::paint(err_colour, output::Tone::Warn, "hint:")
                );
            }
            ExitCode::from(failure.exit_code())
        }
    }
}

/// Colour on a stream: `--color always`/`never` decide; `auto` colours a
/// terminal unless NO_COLOR is set or the terminal cannot (TERM=dumb,
/// CLICOLOR=0), and CLICOLOR_FORCE colours even a pipe.
fn wants_colour(
    choice: cli::ColorChoice,
    terminal: bool,
    no_color: bool,
    forced: bool,
    term_supports: bool,
) -> bool {
    match choice {
        cli::ColorChoice::Always => true,
        cli::ColorChoice::Never => false,
        cli::ColorChoice::Auto if no_color => false,
        cli::ColorChoice::Auto => forced || (terminal && term_supports),
    }
}

#[cfg(test)]
mod tests {
    use super::cli::ColorChoice::*;
    use super::*;

    #[test]
    fn colour_on_a_terminal_only_and_never_under_no_color() {
        assert!(wants_colour(Auto, true, false, false, true));
        assert!(!wants_colour(Auto, false, false, false, true));
        assert!(!wants_colour(Auto, true, true, false, true));
        assert!(!wants_colour(Auto, true, false, false, false));
        assert!(wants_colour(Auto, false, false, true, true));
        assert!(!wants_colour(Auto, false, true, true, true));
        assert!(wants_colour(Always, false, true, false, false));
        assert!(!wants_colour(Never, true, false, true, true));
    }

    #[test]
    fn the_version_names_the_app_and_forge() {
        let app = App {
            name: "shop-cli",
            version: Some("2.4.0"),
        };
        assert_eq!(
            command(app).render_version(),
            format!("shop-cli 2.4.0 (Forge {FORGE_VERSION})\n")
        );
        let unknown = App {
            name: "shop-cli",
            version: None,
        };
        assert_eq!(
            command(unknown).render_version(),
            format!("shop-cli (Forge {FORGE_VERSION})\n")
        );
    }
}
