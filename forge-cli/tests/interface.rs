//! The command line as a user meets it: every command's `--help` and the
//! main mistakes, snapshot-tested so that any change to the interface shows
//! up as a reviewed diff (`cargo insta review`, or `INSTA_UPDATE=always` and
//! `git diff tests/snapshots`). The binary is run in-process as an app named
//! `api-forge-cli`, version 1.2.3.

use forge_cli::{App, FORGE_VERSION};

const APP: App = App {
    name: "api-forge-cli",
    version: Some("1.2.3"),
};

struct Run {
    code: String,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = forge_cli::run_with(
        APP,
        std::iter::once("api-forge-cli").chain(args.iter().copied()),
        &mut out,
        &mut err,
        false,
    );
    Run {
        code: format!("{code:?}"),
        stdout: String::from_utf8(out).unwrap(),
        stderr: String::from_utf8(err).unwrap(),
    }
}

/// Every command path: `[]`, `["migrate"]`, `["migrate", "upgrade"]`, ...
fn command_paths(command: &clap::Command, path: Vec<String>, paths: &mut Vec<Vec<String>>) {
    paths.push(path.clone());
    for sub in command.get_subcommands() {
        let mut next = path.clone();
        next.push(sub.get_name().to_string());
        command_paths(sub, next, paths);
    }
}

#[test]
fn every_command_has_a_reviewed_help_page() {
    let mut paths = Vec::new();
    command_paths(&forge_cli::command(APP), Vec::new(), &mut paths);
    assert!(paths.len() > 20, "{paths:?}");
    for path in paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = run(&args);
        assert_eq!(run.code, format!("{:?}", std::process::ExitCode::SUCCESS));
        assert!(run.stderr.is_empty(), "{}", run.stderr);
        let name = if path.is_empty() {
            "help".to_string()
        } else {
            format!("help__{}", path.join("__"))
        };
        insta::assert_snapshot!(name, run.stdout);
    }
}

#[test]
fn every_flag_and_argument_says_what_it_is_for() {
    fn check(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in command.get_arguments() {
            if arg.is_hide_set() || ["help", "version"].contains(&arg.get_id().as_str()) {
                continue;
            }
            if arg
                .get_help()
                .is_none_or(|h| h.to_string().trim().is_empty())
            {
                missing.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in command.get_subcommands() {
            if sub.get_about().is_none() {
                missing.push(format!("{path} {} (no about)", sub.get_name()));
            }
            check(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }
    let mut missing = Vec::new();
    check(&forge_cli::command(APP), "api-forge-cli", &mut missing);
    assert!(missing.is_empty(), "without help: {missing:#?}");
}

#[test]
fn the_version_names_the_app_and_forge() {
    let run = run(&["--version"]);
    assert_eq!(
        run.stdout,
        format!("api-forge-cli 1.2.3 (Forge {FORGE_VERSION})\n")
    );
}

#[test]
fn global_options_are_listed_apart_from_a_commands_own() {
    let help = run(&["migrate", "upgrade", "--help"]).stdout;
    let (own, global) = help
        .split_once("Global options:")
        .expect("a Global options heading");
    assert!(
        own.contains("--sql") && own.contains("--database-url"),
        "{help}"
    );
    assert!(
        !own.contains("--verbose") && !own.contains("--color"),
        "{help}"
    );
    assert!(
        global.contains("--verbose") && global.contains("--dir"),
        "{help}"
    );
}

/// The main mistakes: one message, usage where it helps, exit 2.
#[test]
fn mistakes_are_reviewed_messages_with_exit_code_2() {
    let cases: &[(&str, &[&str])] = &[
        ("unknown_command", &["frobnicate"]),
        ("revision_without_a_message", &["migrate", "revision"]),
        (
            "revision_with_two_messages",
            &["migrate", "revision", "a", "-m", "b"],
        ),
        ("two_schema_formats", &["schema", "dump", "--json", "--sql"]),
        ("json_and_sql", &["migrate", "upgrade", "--sql", "--json"]),
        ("quiet_and_verbose", &["-q", "-v", "migrate", "current"]),
        ("unknown_shell", &["completions", "tcsh"]),
        (
            "database_url_under_k8s",
            &[
                "k8s",
                "db",
                "migrate",
                "current",
                "--database-url",
                "postgres://x@h/d",
            ],
        ),
        ("bad_color", &["--color", "sometimes", "migrate", "heads"]),
    ];
    for (name, args) in cases {
        let run = run(args);
        assert_eq!(
            run.code,
            format!("{:?}", std::process::ExitCode::from(2)),
            "{name}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{name}: {}", run.stdout);
        insta::assert_snapshot!(format!("error__{name}"), run.stderr);
    }
}

#[test]
fn init_refuses_to_overwrite_a_configuration() {
    let dir = std::env::temp_dir().join(format!("forge-init-refuses-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("forge.toml"), "# mine\n").unwrap();
    let run = run(&["init", dir.to_str().unwrap()]);
    let stderr = run.stderr.replace(dir.to_str().unwrap(), "<dir>");
    let untouched = !dir.join("migrations").exists();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(run.code, format!("{:?}", std::process::ExitCode::from(2)));
    assert!(untouched, "init wrote something before refusing");
    insta::assert_snapshot!("error__init_over_an_existing_configuration", stderr);
}
