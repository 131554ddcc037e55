//! `completions SHELL`: the shell completion script of this binary
//! (clap_complete), for bash, zsh, fish, PowerShell and elvish.

use std::process::ExitCode;

use serde::Serialize;

use crate::cli::CompletionsArgs;
use crate::failure::CommandResult;
use crate::output::Output;
use crate::App;

pub fn exec(args: CompletionsArgs, app: App, out: &mut Output<'_>) -> CommandResult {
    let script = script(args.shell, app);
    if args.json {
        #[derive(Serialize)]
        struct Completions {
            shell: String,
            script: String,
        }
        out.json(&Completions {
            shell: args.shell.to_string(),
            script,
        })?;
    } else {
        out.text(script)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The completion script for `shell`, completing `app`'s binary name.
pub fn script(shell: clap_complete::Shell, app: App) -> String {
    let mut command = crate::command(app);
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut command, app.name, &mut buffer);
    String::from_utf8_lossy(&buffer).into_owned()
}
