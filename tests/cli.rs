//! The command line a Rust team expects, end to end through the example app's
//! binary against a real PostgreSQL: `init`, shell completions, the log
//! (`-v`/`-q`/`RUST_LOG`, never a password), `--json` everywhere, the app's
//! `--version`, `-m` and `--dir`, file names in creation order, pictures
//! (`history --graph`, `--mermaid`), TLS judged by the session, colour and a
//! live progress line on a terminal only (a real pseudo-terminal via `script`).

use std::path::Path;
use std::process::Command;

use forge_tests::{Project, Run, TempDir, TestDatabase};

/// Runs the example binary in `dir` with a clean environment plus `env`.
fn cli_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(forge_tests::example_cli());
    command
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("K8S_NAMESPACE")
        .env_remove("POSTGRES_PASSWORD")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("run api-forge-cli");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn cli(project: &Project, args: &[&str], env: &[(&str, &str)]) -> Run {
    cli_in(project.path(), args, env)
}

/// Runs the binary on a pseudo-terminal (util-linux `script`): stdout and
/// stderr are a terminal, as for a person at a shell; returns what it showed.
fn on_terminal(project: &Project, args: &[&str], env: &[(&str, &str)]) -> String {
    let quoted: Vec<String> = std::iter::once(forge_tests::example_cli().display().to_string())
        .chain(args.iter().map(|a| a.to_string()))
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let mut command = Command::new("script");
    command
        .args(["-qec", &quoted.join(" "), "/dev/null"])
        .current_dir(project.path())
        .env_remove("DATABASE_URL")
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG")
        .env("TERM", "xterm-256color");
    for (name, value) in env {
        command.env(name, value);
    }
    // script(1) exits as the command did; what it showed is what matters here.
    let output = command.output().expect("run script(1)");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn write(project: &Project, name: &str, text: &str) {
    std::fs::write(project.versions_dir().join(name), text).unwrap();
}

fn migration(revision: &str, parents: &str, up: &str, down: &str) -> String {
    format!(
        "-- forge:revision {revision}\n-- forge:parents {parents}\n-- forge:message {revision} migration\n\n-- forge:upgrade\n{up}\n\n-- forge:downgrade\n{down}\n"
    )
}

/// A revision `id` (file `name`) that creates `table`, and drops it going down.
fn creates_table(project: &Project, name: &str, id: &str, parents: &str, table: &str) {
    write(
        project,
        name,
        &migration(
            id,
            parents,
            &format!("CREATE TABLE {table} (id int);"),
            &format!("DROP TABLE {table};"),
        ),
    );
}

fn json(run: &Run) -> serde_json::Value {
    assert!(
        run.stdout.starts_with("{\n  \"format_version\": 1,\n"),
        "not a versioned JSON object:\n{}",
        run.stdout
    );
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// The test server is the default local one, which `init` points at.
fn server_is_the_local_default(db: &TestDatabase) -> bool {
    db.url == format!("postgres://postgres@127.0.0.1:5432/{}", db.name)
}

#[tokio::test]
async fn init_sets_up_a_project_that_migrates_the_local_postgres_by_default() {
    let db = TestDatabase::create().await;
    let parent = TempDir::new("forge-init");
    // A project folder named like the database: the default URL names it.
    let root = parent.path().join(&db.name);
    std::fs::create_dir(&root).unwrap();
    let init = cli_in(&root, &["init"], &[]).success();
    assert!(init.stdout.contains("Created "), "{}", init.stdout);
    let config = std::fs::read_to_string(root.join("forge.toml")).unwrap();
    assert!(
        config.contains(&format!(
            "url = \"postgres://postgres@127.0.0.1:5432/{}\"",
            db.name
        )),
        "{config}"
    );
    // The embedded default is one line away, commented until SQLite lands.
    assert!(
        config.contains("# url = \"sqlite://forge-dev.db?mode=rwc\""),
        "{config}"
    );
    assert!(root.join("migrations/versions/README.md").is_file());

    // Another server than the local default: DATABASE_URL overrides the file, as for a user.
    let env: Vec<(&str, &str)> = if server_is_the_local_default(&db) {
        Vec::new()
    } else {
        vec![("DATABASE_URL", db.url.as_str())]
    };
    cli_in(
        &root,
        &["migrate", "revision", "-m", "initial schema"],
        &env,
    )
    .success();
    cli_in(&root, &["migrate", "upgrade"], &env).success();
    let current = cli_in(&root, &["migrate", "current"], &env).success();
    assert!(
        current.stdout.contains("(head) initial schema"),
        "{}",
        current.stdout
    );
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'users'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(tables, 1);

    // Never overwrites: the second init stops before touching anything.
    std::fs::write(root.join("forge.toml"), "# edited by hand\n").unwrap();
    let again = cli_in(&root, &["init"], &[]).expect_code(2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(
        std::fs::read_to_string(root.join("forge.toml")).unwrap(),
        "# edited by hand\n"
    );
}

#[tokio::test]
async fn init_writes_a_given_database_url_and_keeps_an_existing_migrations_directory() {
    let db = TestDatabase::create().await;
    let dir = TempDir::new("forge-init-url");
    std::fs::create_dir_all(dir.path().join("db/versions")).unwrap();
    std::fs::write(dir.path().join("db/versions/README.md"), "ours\n").unwrap();
    let url = db.url.as_str();
    let run = cli_in(
        dir.path(),
        &[
            "init",
            "--database-url",
            url,
            "--dir",
            "db/versions",
            "--json",
        ],
        &[],
    )
    .success();
    let report = json(&run);
    assert_eq!(report["created"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["kept"].as_array().unwrap().len(), 2, "{report}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("db/versions/README.md")).unwrap(),
        "ours\n"
    );
    let config = std::fs::read_to_string(dir.path().join("forge.toml")).unwrap();
    assert!(config.contains("dir = \"db/versions\""), "{config}");
    // The project works as written.
    cli_in(
        dir.path(),
        &["migrate", "revision", "-m", "first", "--no-autogenerate"],
        &[],
    )
    .success();
    assert_eq!(
        std::fs::read_dir(dir.path().join("db/versions"))
            .unwrap()
            .count(),
        2
    );
    cli_in(dir.path(), &["migrate", "upgrade"], &[]).success();

    let refused = cli_in(
        TempDir::new("forge-init-pw").path(),
        &["init", "--database-url", "postgres://app:hunter2@db/app"],
        &[],
    )
    .expect_code(2);
    assert!(
        refused.stderr.contains("holds a password"),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains("hunter2"), "{}", refused.stderr);
}

#[test]
fn bash_completes_commands_and_flags() {
    let project = Project::with_url("postgres://unused@127.0.0.1:1/unused");
    let script = cli(&project, &["completions", "bash"], &[])
        .success()
        .stdout;
    let path = project.path().join("complete.bash");
    std::fs::write(&path, script).unwrap();
    let bin = "api-forge-cli-under-test";
    let complete = |line: &str| -> String {
        let words: Vec<&str> = line.split(' ').collect();
        let program = format!(
            // The function the script registered for the binary, called as bash would.
            "source {path}\nfunction=$(complete -p {bin} | sed -E 's/.*-F ([^ ]+).*/\\1/')\nCOMP_WORDS=({words})\nCOMP_CWORD={cword}\nCOMP_LINE='{line}'\nCOMP_POINT=${{#COMP_LINE}}\n\"$function\" {bin} '{cur}' '{prev}'\necho \"${{COMPREPLY[@]}}\"\n",
            path = path.display(),
            words = words.join(" "),
            cword = words.len() - 1,
            cur = words[words.len() - 1],
            prev = words[words.len() - 2],
        );
        let output = Command::new("bash")
            .arg("-c")
            .arg(program)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert!(complete(&format!("{bin} mig")).contains("migrate"));
    assert!(complete(&format!("{bin} migrate up")).contains("upgrade"));
    let flags = complete(&format!("{bin} migrate upgrade --j"));
    assert!(flags.contains("--json"), "{flags}");
}

#[test]
fn completion_scripts_for_every_shell_know_the_commands() {
    let project = Project::with_url("postgres://unused@127.0.0.1:1/unused");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = cli(&project, &["completions", shell], &[]).success().stdout;
        for word in [
            "api-forge-cli-under-test",
            "migrate",
            "upgrade",
            "database-url",
        ] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
    }
    let bad = cli(&project, &["completions", "tcsh"], &[]).expect_code(2);
    assert!(bad.stderr.contains("possible values"), "{}", bad.stderr);
}

/// A URL with a password in it (trust authentication ignores it; a server
/// that checks passwords already has one in the URL).
fn url_with_password(db: &TestDatabase) -> (String, String) {
    let (scheme, rest) = db.url.split_once("://").unwrap();
    let (user_info, host) = rest.split_once('@').unwrap();
    match user_info.split_once(':') {
        Some((_, password)) => (db.url.clone(), password.to_string()),
        None => (
            format!("{scheme}://{user_info}:url-pass-8c1e@{host}"),
            "url-pass-8c1e".to_string(),
        ),
    }
}

#[tokio::test]
async fn verbose_logs_show_forges_steps_and_every_statement_but_never_a_password() {
    let db = TestDatabase::create().await;
    let (url, url_password) = url_with_password(&db);
    let project = Project::with_url(&url);
    let role = format!("forge_log_{}", &db.name[db.name.len() - 8..]);
    write(
        &project,
        "1_a.sql",
        &migration(
            "aaaaaaaaaaaa",
            "",
            &format!(
                "CREATE TABLE items (id int);\nCREATE ROLE {role} LOGIN PASSWORD 'role-pass-5d2a';"
            ),
            &format!("DROP ROLE {role};\nDROP TABLE items;"),
        ),
    );
    let env = [("POSTGRES_PASSWORD", "env-pass-77f3")];
    let up = cli(&project, &["migrate", "upgrade", "-vv"], &env).success();
    for expected in [
        "INFO forge_core::runner::run: migration started revision=aaaaaaaaaaaa",
        "DEBUG forge_core::runner::run: statement started revision=aaaaaaaaaaaa statement=2 statements=2",
        // The migration's transaction proves it holds the lock, then runs the statement.
        "DEBUG sqlx::query: BEGIN; SELECT CASE WHEN pg_try_advisory_xact_lock(",
        "; CREATE TABLE items (id int)",
        "elapsed=",
        "migration finished revision=aaaaaaaaaaaa",
        "PASSWORD '***'",
    ] {
        assert!(up.stderr.contains(expected), "no `{expected}` in:\n{}", up.stderr);
    }
    let down = cli(&project, &["migrate", "downgrade", "base", "-vv"], &env).success();
    for run in [&up, &down] {
        for secret in [url_password.as_str(), "role-pass-5d2a", "env-pass-77f3"] {
            assert!(
                !run.stderr.contains(secret) && !run.stdout.contains(secret),
                "{secret} leaked:\n{}",
                run.stderr
            );
        }
        // The log is stderr's; stdout keeps the command's own output.
        assert!(!run.stdout.contains("DEBUG"), "{}", run.stdout);
    }

    // -v: Forge's steps, not the statements.
    let v = cli(&project, &["migrate", "upgrade", "-v"], &env).success();
    assert!(v.stderr.contains("migration started"), "{}", v.stderr);
    assert!(!v.stderr.contains("sqlx::query"), "{}", v.stderr);
    cli(&project, &["migrate", "downgrade", "base"], &env).success();
}

#[tokio::test]
async fn without_flags_the_log_is_quiet_and_q_leaves_only_the_result() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    creates_table(&project, "1_a.sql", "aaaaaaaaaaaa", "", "a");
    creates_table(&project, "2_b.sql", "bbbbbbbbbbbb", "aaaaaaaaaaaa", "b");
    let plain = cli(&project, &["migrate", "upgrade"], &[]).success();
    assert!(plain.stderr.is_empty(), "{}", plain.stderr);
    assert!(
        plain.stdout.contains("upgrade aaaaaaaaaaaa"),
        "{}",
        plain.stdout
    );
    let quiet = cli(&project, &["migrate", "downgrade", "base", "-q"], &[]).success();
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
    assert_eq!(
        quiet.stdout.lines().collect::<Vec<_>>().len(),
        1,
        "only the closing line: {}",
        quiet.stdout
    );
    assert!(
        quiet.stdout.starts_with("Downgraded 2 migrations"),
        "{}",
        quiet.stdout
    );
}

#[tokio::test]
async fn rust_log_decides_the_log_and_a_bad_one_is_one_sentence() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    creates_table(&project, "1_a.sql", "aaaaaaaaaaaa", "", "a");
    let run = cli(
        &project,
        &["migrate", "upgrade"],
        &[("RUST_LOG", "forge_core=info")],
    )
    .success();
    assert!(
        run.stderr
            .contains("migration finished revision=aaaaaaaaaaaa"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("sqlx"), "{}", run.stderr);
    let bad = cli(
        &project,
        &["migrate", "current"],
        &[("RUST_LOG", "sqlx=loud")],
    )
    .expect_code(2);
    assert!(
        bad.stderr
            .starts_with("error: RUST_LOG=`sqlx=loud` is not a log filter"),
        "{}",
        bad.stderr
    );
    assert!(bad.stderr.contains("hint: "), "{}", bad.stderr);
    assert_eq!(bad.stderr.lines().count(), 2, "{}", bad.stderr);
}

#[tokio::test]
async fn every_json_output_is_one_object_that_starts_with_the_format_version() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    creates_table(&project, "1_a.sql", "aaaaaaaaaaaa", "", "a");
    creates_table(&project, "2_b.sql", "bbbbbbbbbbbb", "aaaaaaaaaaaa", "b");
    creates_table(&project, "2_c.sql", "cccccccccccc", "aaaaaaaaaaaa", "c");
    let run = |args: &[&str]| json(&cli(&project, args, &[]).success());

    let up = run(&["migrate", "upgrade", "heads", "--json"]);
    assert_eq!(up["migrations"].as_array().unwrap().len(), 3, "{up}");
    assert_eq!(up["migrations"][0]["direction"], "upgrade");
    let heads = run(&["migrate", "heads", "--json"]);
    assert_eq!(heads["heads"].as_array().unwrap().len(), 2);
    let merged = run(&["migrate", "merge", "-m", "join", "--json"]);
    let merge_id = merged["written"][0]["revision"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(merged["written"][0]["parents"].as_array().unwrap().len(), 2);
    let up = run(&["migrate", "upgrade", "--json"]);
    assert_eq!(up["heads"][0], merge_id.as_str());
    let down = run(&["migrate", "downgrade", "aaaaaaaaaaaa", "--json"]);
    assert_eq!(down["migrations"].as_array().unwrap().len(), 3, "{down}");
    let stamped = run(&["migrate", "stamp", "heads", "--json"]);
    assert_eq!(stamped["heads"][0], merge_id.as_str());
    assert_eq!(
        run(&["migrate", "current", "--json"])["heads"][0]["revision"],
        merge_id.as_str()
    );
    assert_eq!(
        run(&["migrate", "show", "aaaa", "--json"])["revision"],
        "aaaaaaaaaaaa"
    );
    assert_eq!(
        run(&["migrate", "history", "--json"])["revisions"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let template = run(&[
        "migrate",
        "revision",
        "-m",
        "by hand",
        "--no-autogenerate",
        "--json",
    ]);
    assert_eq!(template["written"][0]["parents"][0], merge_id.as_str());
    assert!(run(&["entities", "list", "--json"])["entities"].is_array());
    assert!(run(&["schema", "dump", "--json"])["tables"].is_array());
    assert!(run(&["schema", "inspect", "--json"])["tables"].is_array());
    let verify = json(&cli(&project, &["db", "verify", "--json"], &[]));
    assert!(verify["checks"].is_array());
    assert_eq!(run(&["completions", "fish", "--json"])["shell"], "fish");
    // An error under --json is still one sentence on stderr, exit 2.
    let error = cli(&project, &["migrate", "show", "nosuch", "--json"], &[]).expect_code(2);
    assert!(
        error.stdout.is_empty() && error.stderr.starts_with("error: "),
        "{error:?}"
    );
}

#[test]
fn the_version_names_the_app_and_forge() {
    let project = Project::with_url("postgres://unused@127.0.0.1:1/unused");
    let run = cli(&project, &["--version"], &[]).success();
    assert_eq!(
        run.stdout,
        format!(
            "api-forge-cli-under-test {} (Forge {})\n",
            env!("CARGO_PKG_VERSION"),
            forge_cli::FORGE_VERSION
        )
    );
}

#[test]
fn revisions_take_dash_m_sort_in_creation_order_and_end_their_slug_on_a_word() {
    let project = Project::with_url("postgres://unused@127.0.0.1:1/unused");
    let messages = [
        "zeta",
        "alpha",
        "add the customer loyalty points balance to users",
    ];
    cli(
        &project,
        &["migrate", "revision", messages[0], "--no-autogenerate"],
        &[],
    )
    .success();
    for message in &messages[1..] {
        cli(
            &project,
            &["migrate", "revision", "-m", message, "--no-autogenerate"],
            &[],
        )
        .success();
    }
    let files = project.version_files();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names[0].ends_with("_zeta.sql"), "{names:?}");
    assert!(names[1].ends_with("_alpha.sql"), "{names:?}");
    assert!(
        names[2].ends_with("_add_the_customer_loyalty_points_balance.sql"),
        "{names:?}"
    );
    // Sorted by name is the order they were made in: each builds on the one before.
    let heads = json(&cli(&project, &["migrate", "history", "--json"], &[]).success());
    let newest_first: Vec<&str> = heads["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    let mut oldest_first = newest_first.clone();
    oldest_first.reverse();
    assert_eq!(oldest_first, messages);
}

#[test]
fn dir_points_every_command_at_another_migrations_directory() {
    let project = Project::with_url("postgres://unused@127.0.0.1:1/unused");
    std::fs::create_dir_all(project.path().join("other/versions")).unwrap();
    cli(
        &project,
        &[
            "migrate",
            "revision",
            "-m",
            "elsewhere",
            "--no-autogenerate",
            "--dir",
            "other/versions",
        ],
        &[],
    )
    .success();
    assert!(project.version_files().is_empty());
    let heads = cli(
        &project,
        &["--dir", "other/versions", "migrate", "heads"],
        &[],
    )
    .success();
    assert!(heads.stdout.contains("elsewhere"), "{}", heads.stdout);
    assert!(cli(&project, &["migrate", "heads"], &[])
        .success()
        .stdout
        .contains("no revisions yet"));
}

#[tokio::test]
async fn history_graph_draws_branches_merges_and_the_current_revision() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    creates_table(&project, "1_a.sql", "aaaaaaaaaaaa", "", "a");
    creates_table(&project, "2_b.sql", "bbbbbbbbbbbb", "aaaaaaaaaaaa", "b");
    creates_table(&project, "2_c.sql", "cccccccccccc", "aaaaaaaaaaaa", "c");
    write(
        &project,
        "3_m.sql",
        &migration("dddddddddddd", "bbbbbbbbbbbb cccccccccccc", "", ""),
    );
    cli(&project, &["migrate", "upgrade", "bbbbbbbbbbbb"], &[]).success();
    let graph = cli(&project, &["migrate", "history", "--graph"], &[])
        .success()
        .stdout;
    let lines: Vec<&str> = graph.lines().map(str::trim_end).collect();
    assert_eq!(
        lines,
        [
            "*    dddddddddddd (head) dddddddddddd migration",
            "|\\",
            "| *  cccccccccccc cccccccccccc migration",
            "@ |  bbbbbbbbbbbb (current) bbbbbbbbbbbb migration",
            "|/",
            "*    aaaaaaaaaaaa aaaaaaaaaaaa migration",
        ],
        "{graph}"
    );
}

#[tokio::test]
async fn schema_dump_and_inspect_share_a_summary_default_and_draw_the_same_diagram() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    let dump = cli(&project, &["schema", "dump"], &[]).success().stdout;
    assert!(
        dump.trim_end()
            .ends_with("5 tables, 1 enum types in the models"),
        "{dump}"
    );
    let versions = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/versions");
    project.write_config(&format!(
        "[migrations]\ndir = \"{}\"\n",
        std::fs::canonicalize(versions).unwrap().display()
    ));
    cli(&project, &["migrate", "upgrade"], &[]).success();
    let inspect = cli(&project, &["schema", "inspect"], &[]).success().stdout;
    assert!(
        inspect
            .trim_end()
            .ends_with("5 tables, 1 enum types in schema public"),
        "{inspect}"
    );

    let models = cli(&project, &["schema", "dump", "--mermaid"], &[])
        .success()
        .stdout;
    assert!(models.starts_with("erDiagram\n"), "{models}");
    assert!(
        models.contains("    api_keys }o--|| users : \"user_id\"\n"),
        "{models}"
    );
    assert!(models.contains("        uuid id PK\n"), "{models}");
    // The migrated database draws exactly what the models draw.
    let live = cli(&project, &["schema", "inspect", "--mermaid"], &[])
        .success()
        .stdout;
    assert_eq!(live, models);
}

#[tokio::test]
async fn verify_judges_tls_by_the_session_a_loopback_one_needs_none() {
    let db = TestDatabase::create().await;
    let tls_line = |url: &str| -> String {
        let project = Project::with_url(url);
        let run = cli(&project, &["db", "verify"], &[]);
        run.stdout
            .lines()
            .find(|l| l.contains(" tls "))
            .unwrap_or_else(|| panic!("{}", run.stdout))
            .to_string()
    };
    // The loopback URL as a user writes it, without sslmode: Forge skips TLS, and says so.
    let bare = db.url.split('?').next().unwrap();
    let tls = tls_line(bare);
    assert!(tls.starts_with("OK"), "{tls}");
    assert!(tls.contains("stays on this machine (127.0.0.1)"), "{tls}");
    assert!(
        tls.contains("Forge connects to a loopback address without TLS"),
        "{tls}"
    );
    // Asked for explicitly, TLS is used when the server offers it; either way the line says why.
    let tls = tls_line(&format!("{bare}?sslmode=prefer"));
    assert!(tls.starts_with("OK"), "{tls}");
    assert!(
        tls.contains("in use (TLS") || tls.contains("the URL says sslmode=prefer"),
        "{tls}"
    );
}

#[tokio::test]
async fn colour_only_on_a_terminal_and_never_under_no_color() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    let piped = cli(&project, &["db", "verify"], &[]);
    assert!(!piped.stdout.contains('\x1b'), "{}", piped.stdout);
    let terminal = on_terminal(&project, &["db", "verify"], &[]);
    assert!(terminal.contains("\x1b[32mOK\x1b[0m"), "{terminal:?}");
    let no_color = on_terminal(&project, &["db", "verify"], &[("NO_COLOR", "1")]);
    assert!(!no_color.contains('\x1b'), "{no_color:?}");
    let never = on_terminal(&project, &["db", "verify", "--color", "never"], &[]);
    assert!(!never.contains('\x1b'), "{never:?}");
    let forced = cli(&project, &["db", "verify", "--color", "always"], &[]);
    assert!(
        forced.stdout.contains("\x1b[32mOK\x1b[0m"),
        "{}",
        forced.stdout
    );
}

#[tokio::test]
async fn a_long_migration_shows_a_live_line_on_a_terminal_and_plain_lines_in_ci() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    write(
        &project,
        "1_slow.sql",
        &migration(
            "aaaaaaaaaaaa",
            "",
            "SELECT pg_sleep(0.7);\nSELECT pg_sleep(0.7);\nCREATE TABLE slow (id int);",
            "DROP TABLE slow;",
        ),
    );
    let shown = on_terminal(&project, &["migrate", "upgrade"], &[]);
    assert!(
        shown.contains("upgrade aaaaaaaaaaaa  aaaaaaaaaaaa migration: statement 2 of 3, "),
        "{shown:?}"
    );
    assert!(
        shown.contains("\r\x1b[2K"),
        "the line is redrawn in place: {shown:?}"
    );
    assert!(shown.contains("done"), "{shown:?}");

    cli(&project, &["migrate", "downgrade", "base"], &[]).success();
    let logged = cli(&project, &["migrate", "upgrade"], &[]).success();
    assert!(
        !logged.stdout.contains('\x1b') && !logged.stderr.contains('\x1b'),
        "{logged:?}"
    );
    assert!(!logged.stdout.contains("statement"), "{}", logged.stdout);
    assert!(
        logged
            .stdout
            .starts_with("upgrade aaaaaaaaaaaa aaaaaaaaaaaa migration ("),
        "{}",
        logged.stdout
    );
}

#[tokio::test]
async fn the_log_of_a_kubernetes_run_never_shows_the_password() {
    const PASSWORD: &str = "k8s-log-pass-3e9d";
    let db = TestDatabase::create().await;
    let role = format!("forge_k8s_log_{}", &db.name[db.name.len() - 8..]);
    db.execute(&format!(
        "CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'; GRANT ALL ON SCHEMA public TO {role};"
    ))
    .await;
    let project = Project::new(&db);
    project.write_config(&format!(
        "[k8s]\nnamespace = \"forge-test\"\ndatabase = \"{}\"\nuser = \"{role}\"\nkubectl = \"{}\"\nlocal_port = 0\nforward_timeout = 10\n",
        db.name,
        env!("CARGO_BIN_EXE_fake-kubectl")
    ));
    creates_table(&project, "1_a.sql", "aaaaaaaaaaaa", "", "a");
    let kubectl_log = project.path().join("kubectl.log");
    // The fake port-forward relays to the test server, wherever it runs.
    let upstream = db.url.split('@').nth(1).unwrap().split('/').next().unwrap();
    let env = [
        ("POSTGRES_PASSWORD", PASSWORD),
        ("FAKE_KUBECTL_LOG", kubectl_log.to_str().unwrap()),
        ("FAKE_KUBECTL_UPSTREAM", upstream),
    ];
    let up = cli(&project, &["k8s", "db", "migrate", "upgrade", "-vvv"], &env).success();
    assert!(up.stderr.contains("migration started"), "{}", up.stderr);
    assert!(up.stderr.contains("sqlx::query"), "{}", up.stderr);
    let down = cli(
        &project,
        &["k8s", "db", "migrate", "downgrade", "base", "-vvv"],
        &env,
    )
    .success();
    for run in [&up, &down] {
        assert!(
            !run.stderr.contains(PASSWORD) && !run.stdout.contains(PASSWORD),
            "the password leaked:\n{}",
            run.stderr
        );
    }
    db.execute(&format!("DROP OWNED BY {role}; DROP ROLE {role};"))
        .await;
}
