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
    let script = String::from_utf8_lossy(&buffer).into_owned();
    match shell {
        clap_complete::Shell::Bash => bash_states_for_a_hyphenated_name(script, app.name),
        _ => script,
    }
}

/// clap_complete 4.6's bash script spells its states two ways when the
/// binary's name has a hyphen (clap-rs/clap#6421): the loop that walks the
/// words reaches `api__forge__cli__subcmd__migrate`, the arms are labelled
/// `api__subcmd__forge__subcmd__cli__subcmd__migrate`, so nothing after the
/// first word completes. App binaries are usually hyphenated
/// (`api-forge-cli`): the arms get the loop's spelling.
fn bash_states_for_a_hyphenated_name(script: String, name: &str) -> String {
    if !name.contains('-') {
        return script;
    }
    let arms = name.replace('-', "__subcmd__");
    let walk = name.replace('-', "__");
    script.replace(&format!("{arms}__subcmd__"), &format!("{walk}__subcmd__"))
}
