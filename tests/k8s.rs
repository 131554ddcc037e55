//! `k8s db migrate ...` and `k8s db verify` end to end: the example binary
//! drives a fake kubectl (tests/support/fake_kubectl) whose port-forward
//! relays to the test PostgreSQL. Every test checks that no kubectl outlives
//! the command, and nothing ever shows the password.

use std::net::TcpListener;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use forge_tests::{Project, Run, TestDatabase};

const FAKE_KUBECTL: &str = env!("CARGO_BIN_EXE_fake-kubectl");
const PASSWORD: &str = "k8s-Sup3r-s3cret";

/// A project whose [k8s] section points at the fake kubectl and the test database.
fn k8s_project(db: &TestDatabase, extra: &str) -> Project {
    let project = Project::new(db);
    let timeout = if extra.contains("forward_timeout") {
        ""
    } else {
        "forward_timeout = 10\n"
    };
    project.write_config(&format!(
        "[k8s]\nnamespace = \"forge-test\"\ndatabase = \"{}\"\nuser = \"postgres\"\nkubectl = \"{FAKE_KUBECTL}\"\nlocal_port = 0\n{timeout}{extra}",
        db.name
    ));
    project
}

/// The test database's URL without the parameters sqlx adds to it.
fn plain_url(db: &TestDatabase) -> &str {
    db.url.split('?').next().unwrap()
}

fn log_path(project: &Project) -> PathBuf {
    project.path().join("kubectl.log")
}

fn command(project: &Project, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = project.command(args);
    command
        .env("FAKE_KUBECTL_LOG", log_path(project))
        .env("POSTGRES_PASSWORD", PASSWORD);
    for (name, value) in env {
        command.env(name, value);
    }
    command.stdin(Stdio::null());
    command
}

fn run(project: &Project, args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = command(project, args, env)
        .output()
        .expect("run api-forge-cli");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        !run.stdout.contains(PASSWORD) && !run.stderr.contains(PASSWORD),
        "the password leaked:\n{run:?}"
    );
    run
}

/// (pid, arguments) of every kubectl invocation so far.
fn invocations(project: &Project) -> Vec<(u32, String)> {
    let text = std::fs::read_to_string(log_path(project)).unwrap_or_default();
    text.lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(pid, args)| (pid.parse().expect("a pid"), args.to_string()))
        .collect()
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| !stat.contains(") Z "))
}

/// No kubectl the command started is still running, and none saw the password.
fn assert_no_kubectl_left(project: &Project) {
    let calls = invocations(project);
    let deadline = Instant::now() + Duration::from_millis(500);
    for (pid, args) in &calls {
        assert!(
            !args.contains(PASSWORD),
            "the password was on kubectl's command line: {args}"
        );
        while alive(*pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            !alive(*pid),
            "kubectl `{args}` (pid {pid}) survived the command"
        );
    }
}

fn port_forwards(project: &Project) -> Vec<String> {
    invocations(project)
        .into_iter()
        .map(|(_, args)| args)
        .filter(|a| a.starts_with("port-forward"))
        .collect()
}

fn migration(
    revision: &str,
    parents: &str,
    message: &str,
    upgrade: &str,
    downgrade: &str,
) -> String {
    let parents = if parents.is_empty() {
        String::new()
    } else {
        format!("-- forge:parents    {parents}\n")
    };
    format!(
        "-- forge:revision   {revision}\n{parents}-- forge:message    {message}\n-- forge:created    2025-01-01T00:00:00Z\n\n-- forge:upgrade\n{upgrade}\n\n-- forge:downgrade\n{downgrade}\n"
    )
}

fn write_migration(project: &Project, file: &str, text: &str) {
    std::fs::write(project.versions_dir().join(file), text).unwrap();
}

/// a1 (widgets) with two children, b2 (gadgets) and c3 (things): two heads.
fn write_branched_migrations(project: &Project) {
    write_migration(
        project,
        "20250101_0000_widgets.sql",
        &migration(
            "aaaaaaaaaaa1",
            "",
            "create widgets",
            "CREATE TABLE widgets (id integer PRIMARY KEY);",
            "DROP TABLE widgets;",
        ),
    );
    write_migration(
        project,
        "20250101_0001_gadgets.sql",
        &migration(
            "bbbbbbbbbbb2",
            "aaaaaaaaaaa1",
            "create gadgets",
            "CREATE TABLE gadgets (id integer PRIMARY KEY);",
            "DROP TABLE gadgets;",
        ),
    );
    write_migration(
        project,
        "20250101_0002_things.sql",
        &migration(
            "ccccccccccc3",
            "aaaaaaaaaaa1",
            "create things",
            "CREATE TABLE things (id integer PRIMARY KEY);",
            "DROP TABLE things;",
        ),
    );
}

async fn tables(db: &TestDatabase) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

/// A child process killed on drop, so a failing test leaves nothing running.
struct Spawned(Child);

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Spawned {
    fn wait_timeout(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.0.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn stderr(&mut self) -> String {
        let mut text = String::new();
        if let Some(mut pipe) = self.0.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut pipe, &mut text);
        }
        text
    }
}

fn wait_for(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn one_error_sentence(run: &Run) {
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "expected one error line:\n{}", run.stderr);
}

// --- every migrate subcommand through the forward ---

#[tokio::test]
async fn every_migrate_subcommand_runs_and_only_those_that_need_the_database_start_a_forward() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    write_branched_migrations(&project);
    // Runs the command; `online`: whether it must have started one forward.
    let k8s = |args: &[&str], online: bool| {
        let before = port_forwards(&project).len();
        let mut full = vec!["k8s", "db", "migrate"];
        full.extend_from_slice(args);
        let ran = run(&project, &full, &[]);
        assert_eq!(
            port_forwards(&project).len() - before,
            usize::from(online),
            "`{}` started the wrong number of forwards: {ran:?}",
            args.join(" ")
        );
        ran
    };

    assert!(k8s(&["current"], true).success().stdout.contains("base"));
    let heads = k8s(&["heads"], false).success().stdout;
    assert!(
        heads.contains("bbbbbbbbbbb2") && heads.contains("ccccccccccc3"),
        "{heads}"
    );
    assert!(k8s(&["history"], true)
        .success()
        .stdout
        .contains("aaaaaaaaaaa1"));
    assert!(k8s(&["show", "aaaaaaaaaaa1"], false)
        .success()
        .stdout
        .contains("create widgets"));

    k8s(&["upgrade"], true).success();
    assert_eq!(
        tables(&db).await,
        [
            "forge_history",
            "forge_version",
            "gadgets",
            "things",
            "widgets"
        ]
    );
    let current = k8s(&["current"], true).success().stdout;
    assert!(
        current.contains("bbbbbbbbbbb2") && current.contains("ccccccccccc3"),
        "{current}"
    );

    k8s(&["merge", "--message", "join branches"], false).success();
    assert_eq!(project.version_files().len(), 4);
    k8s(&["upgrade"], true).success();
    k8s(&["revision", "manual step", "--no-autogenerate"], false).success();
    assert_eq!(project.version_files().len(), 5);
    k8s(&["upgrade"], true).success();
    let check = k8s(&["check"], true);
    assert_ne!(check.code, 2, "check did not run: {check:?}");
    let script = k8s(&["upgrade", "--sql", "base:heads"], false).success();
    assert!(
        script.stdout.contains("-- starts at: base"),
        "{}",
        script.stdout
    );

    k8s(&["downgrade", "base"], true).success();
    assert_eq!(tables(&db).await, ["forge_history", "forge_version"]);
    k8s(&["stamp", "heads"], true).success();
    assert!(k8s(&["current"], true).success().stdout.contains("(head)"));
    assert_no_kubectl_left(&project);
}

#[tokio::test]
async fn commands_that_need_no_database_ask_no_password_and_find_no_pod() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    write_branched_migrations(&project);
    // No password, no cluster: only the files are needed.
    let offline = |args: &[&str]| {
        let mut full = vec!["k8s", "db", "migrate"];
        full.extend_from_slice(args);
        let mut command = project.command(&full);
        command
            .env("FAKE_KUBECTL_LOG", log_path(&project))
            .env("FAKE_KUBECTL_CLUSTER", "unreachable")
            .stdin(Stdio::null());
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "`{}` needed the cluster: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    };
    offline(&["heads"]);
    offline(&["show", "aaaaaaaaaaa1"]);
    offline(&["merge", "-m", "join"]);
    offline(&["revision", "by hand", "--no-autogenerate"]);
    offline(&["upgrade", "--sql", "base:heads"]);
    offline(&["downgrade", "--sql", "heads:base"]);
    offline(&["stamp", "--sql", "--purge", "heads"]);
    assert!(
        invocations(&project).is_empty(),
        "{:?}",
        invocations(&project)
    );
}

#[tokio::test]
async fn a_sql_range_starts_no_forward_and_needs_no_password() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    write_branched_migrations(&project);
    let mut cmd = command(
        &project,
        &[
            "k8s",
            "db",
            "migrate",
            "upgrade",
            "--sql",
            "aaaaaaaaaaa1:bbbbbbbbbbb2",
            "--kubectl",
            "/nonexistent/kubectl",
        ],
        &[],
    );
    cmd.env_remove("POSTGRES_PASSWORD");
    let output = cmd.output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("CREATE TABLE gadgets"));
    let down = run(
        &project,
        &[
            "k8s",
            "db",
            "migrate",
            "downgrade",
            "--sql",
            "bbbbbbbbbbb2:aaaaaaaaaaa1",
            "--kubectl",
            "/nonexistent/kubectl",
        ],
        &[],
    )
    .success();
    assert!(
        down.stdout.contains("DROP TABLE gadgets"),
        "{}",
        down.stdout
    );
    assert!(invocations(&project).is_empty());
}

// --- teardown ---

#[tokio::test]
async fn the_forward_is_stopped_after_success() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    run(&project, &["k8s", "db", "migrate", "current"], &[]).success();
    let calls = invocations(&project);
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        calls[0]
            .1
            .starts_with("get pods -n forge-test -l app.kubernetes.io/name=postgres -o json"),
        "{calls:?}"
    );
    assert!(
        calls[1]
            .1
            .starts_with("port-forward -n forge-test pod/postgres-0 "),
        "{calls:?}"
    );
    assert_no_kubectl_left(&project);
}

#[tokio::test]
async fn the_forward_is_stopped_after_a_failed_migration_and_the_database_is_unchanged() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    write_migration(
        &project,
        "20250101_0000_broken.sql",
        &migration(
            "aaaaaaaaaaa1",
            "",
            "broken",
            "CREATE TABLE widgets (id integer);\nSELECT no_such_function();",
            "DROP TABLE widgets;",
        ),
    );
    // The fake ignores SIGTERM: only Forge's own kill ends it.
    let failed = run(
        &project,
        &["k8s", "db", "migrate", "upgrade"],
        &[("FAKE_KUBECTL_IGNORE_TERM", "1")],
    )
    .expect_code(2);
    assert!(
        failed.stderr.contains("no_such_function"),
        "{}",
        failed.stderr
    );
    assert!(!tables(&db).await.contains(&"widgets".to_string()));
    assert_no_kubectl_left(&project);
}

fn interrupt_while_forwarding(signal: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = runtime.block_on(TestDatabase::create());
    let project = k8s_project(&db, "forward_timeout = 60\n");
    let mut cmd = command(
        &project,
        &["k8s", "db", "migrate", "current"],
        &[
            ("FAKE_KUBECTL_FORWARD", "hang"),
            ("FAKE_KUBECTL_IGNORE_TERM", "1"),
        ],
    );
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = Spawned(cmd.spawn().unwrap());
    wait_for("the port-forward to start", Duration::from_secs(10), || {
        !port_forwards(&project).is_empty()
    });
    std::thread::sleep(Duration::from_millis(200));
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child
        .wait_timeout(Duration::from_secs(10))
        .expect("the command exits after the signal");
    let stderr = child.stderr();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("interrupted by SIG{signal}")),
        "{stderr}"
    );
    assert_no_kubectl_left(&project);
    drop(db);
}

#[test]
fn sigint_stops_the_forward() {
    interrupt_while_forwarding("INT");
}

#[test]
fn sigterm_stops_the_forward() {
    interrupt_while_forwarding("TERM");
}

#[test]
fn sigint_during_a_migration_stops_the_forward_and_the_migration_is_rolled_back() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = runtime.block_on(TestDatabase::create());
    let project = k8s_project(&db, "");
    write_migration(
        &project,
        "20250101_0000_slow.sql",
        &migration(
            "aaaaaaaaaaa1",
            "",
            "slow",
            "CREATE TABLE widgets (id integer);\nSELECT pg_sleep(4);",
            "DROP TABLE widgets;",
        ),
    );
    let mut cmd = command(
        &project,
        &["k8s", "db", "migrate", "upgrade"],
        &[("FAKE_KUBECTL_IGNORE_TERM", "1")],
    );
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = Spawned(cmd.spawn().unwrap());
    let sleeping = || {
        runtime.block_on(async {
            sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%pg_sleep(4)%' AND query NOT LIKE '%pg_stat_activity%')")
                .bind(&db.name)
                .fetch_one(&db.pool)
                .await
                .unwrap()
        })
    };
    wait_for("the migration to run", Duration::from_secs(20), sleeping);
    Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .unwrap();
    let status = child
        .wait_timeout(Duration::from_secs(10))
        .expect("the command exits after SIGINT");
    let stderr = child.stderr();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert_no_kubectl_left(&project);
    // PostgreSQL notices the closed connection when the statement ends; the
    // transaction then rolls back.
    let deadline = Instant::now() + Duration::from_secs(20);
    while sleeping() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let sessions: Vec<(Option<String>, Option<String>, Option<String>)> = runtime.block_on(
        sqlx::query_as("SELECT state, query, application_name FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()").bind(&db.name).fetch_all(&db.pool),
    ).unwrap();
    assert!(!sleeping(), "{sessions:?}");
    let tables = runtime.block_on(tables(&db));
    assert!(!tables.contains(&"widgets".to_string()), "{tables:?}");
}

#[tokio::test]
async fn teardown_ends_the_forwards_whole_process_group() {
    let db = TestDatabase::create().await;
    // A wrapper that runs kubectl as its child (as version managers and
    // `kubectl` shell functions do) instead of replacing itself with it.
    let project = k8s_project(&db, "");
    let wrapper = project.path().join("kubectl-wrapper.sh");
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\n\"{FAKE_KUBECTL}\" \"$@\"\nexit $?\n"),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    write_branched_migrations(&project);
    let wrapped = wrapper.to_str().unwrap();
    run(
        &project,
        &["k8s", "db", "migrate", "upgrade", "--kubectl", wrapped],
        &[],
    )
    .success();
    run(
        &project,
        &[
            "k8s",
            "db",
            "migrate",
            "upgrade",
            "nosuchrev",
            "--kubectl",
            wrapped,
        ],
        &[],
    )
    .expect_code(2);
    // The log holds the real kubectl's pids: the wrapper's children.
    assert_eq!(port_forwards(&project).len(), 2);
    assert_no_kubectl_left(&project);
}

// --- ports ---

#[tokio::test]
async fn a_busy_local_port_is_a_clear_error() {
    let db = TestDatabase::create().await;
    let holder = TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = holder.local_addr().unwrap().port().to_string();
    let project = k8s_project(&db, "");
    let failed = run(
        &project,
        &["k8s", "db", "migrate", "current", "--local-port", &busy],
        &[],
    )
    .expect_code(2);
    assert!(
        failed
            .stderr
            .contains(&format!("local port {busy} is already in use")),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.contains("local_port = 0"),
        "{}",
        failed.stderr
    );
    assert!(port_forwards(&project).is_empty());
    assert_no_kubectl_left(&project);
}

#[tokio::test]
async fn local_port_zero_picks_a_free_port() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    run(&project, &["k8s", "db", "migrate", "current"], &[]).success();
    let forward = &port_forwards(&project)[0];
    let ports = forward
        .split_whitespace()
        .find(|w| w.ends_with(":5432"))
        .unwrap();
    let local: u16 = ports.trim_end_matches(":5432").parse().unwrap();
    assert!(local != 0 && local != 54320, "{forward}");
}

#[tokio::test]
async fn a_port_that_is_not_a_number_is_bad_input() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    let flag = run(
        &project,
        &[
            "k8s",
            "db",
            "migrate",
            "current",
            "--local-port",
            "fivefour",
        ],
        &[],
    )
    .expect_code(2);
    assert!(flag.stderr.contains("--local-port"), "{}", flag.stderr);
    project.write_config(&format!(
        "[k8s]\nkubectl = \"{FAKE_KUBECTL}\"\nlocal_port = \"fivefour\"\n"
    ));
    let file = run(&project, &["k8s", "db", "migrate", "current"], &[]).expect_code(2);
    assert!(
        file.stderr.contains("k8s.local_port") && file.stderr.contains("forge.toml"),
        "{}",
        file.stderr
    );
    assert!(invocations(&project).is_empty());
}

// --- the forward's failure modes ---

#[tokio::test]
async fn a_slow_forward_is_waited_for() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    run(
        &project,
        &["k8s", "db", "migrate", "current"],
        &[
            ("FAKE_KUBECTL_FORWARD", "slow"),
            ("FAKE_KUBECTL_DELAY_MS", "1500"),
        ],
    )
    .success();
    assert_no_kubectl_left(&project);
}

#[tokio::test]
async fn a_forward_that_never_answers_times_out() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "forward_timeout = 1\n");
    let failed = run(
        &project,
        &["k8s", "db", "migrate", "current"],
        &[
            ("FAKE_KUBECTL_FORWARD", "slow"),
            ("FAKE_KUBECTL_DELAY_MS", "5000"),
        ],
    )
    .expect_code(2);
    assert!(
        failed.stderr.contains("did not answer") && failed.stderr.contains("within 1s"),
        "{}",
        failed.stderr
    );
    assert_no_kubectl_left(&project);
}

#[tokio::test]
async fn a_forward_that_exits_at_once_shows_kubectls_error() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    let failed = run(
        &project,
        &["k8s", "db", "migrate", "current"],
        &[("FAKE_KUBECTL_FORWARD", "exit")],
    )
    .expect_code(2);
    one_error_sentence(&failed);
    assert!(
        failed
            .stderr
            .contains("unable to forward port because pod is not running"),
        "{}",
        failed.stderr
    );
    assert_no_kubectl_left(&project);
}

#[tokio::test]
async fn kubectls_repeated_log_lines_make_a_short_error() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    let failed = run(
        &project,
        &["k8s", "db", "migrate", "current"],
        &[("FAKE_KUBECTL_FORWARD", "flood")],
    )
    .expect_code(2);
    one_error_sentence(&failed);
    assert_eq!(
        failed
            .stderr
            .matches("an error occurred forwarding")
            .count(),
        1,
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.contains("error: lost connection to pod"),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.len() < 800,
        "{} bytes: {}",
        failed.stderr.len(),
        failed.stderr
    );
    assert_no_kubectl_left(&project);
}

#[tokio::test]
async fn a_forward_that_dies_midway_is_explained() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    let failed = run(
        &project,
        &["k8s", "db", "migrate", "upgrade"],
        &[("FAKE_KUBECTL_FORWARD", "die")],
    )
    .expect_code(2);
    one_error_sentence(&failed);
    assert!(
        failed.stderr.contains("lost connection to pod"),
        "{}",
        failed.stderr
    );
    assert_no_kubectl_left(&project);
}

// --- pods ---

#[tokio::test]
async fn no_pod_names_the_namespace_and_the_selector() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    let failed = run(
        &project,
        &[
            "k8s",
            "db",
            "migrate",
            "current",
            "--namespace",
            "elsewhere",
        ],
        &[("FAKE_KUBECTL_PODS", "none")],
    )
    .expect_code(2);
    one_error_sentence(&failed);
    assert!(
        failed.stderr.contains("`elsewhere`")
            && failed.stderr.contains("`app.kubernetes.io/name=postgres`"),
        "{}",
        failed.stderr
    );
    assert!(port_forwards(&project).is_empty());
}

#[tokio::test]
async fn a_pod_that_is_not_ready_is_a_clear_error() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    let failed = run(
        &project,
        &["k8s", "db", "migrate", "current"],
        &[("FAKE_KUBECTL_PODS", "not-ready")],
    )
    .expect_code(2);
    assert!(
        failed.stderr.contains("is Ready")
            && failed.stderr.contains("postgres-0 is Running, not Ready"),
        "{}",
        failed.stderr
    );
    assert!(failed.stderr.contains("`forge-test`"), "{}", failed.stderr);
    assert!(port_forwards(&project).is_empty());
}

#[tokio::test]
async fn the_ready_pod_of_a_fixture_is_chosen() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    let fixture = project.path().join("pods.json");
    std::fs::write(&fixture, r#"{"items":[
        {"metadata":{"name":"pg-a","deletionTimestamp":"2025-01-01T00:00:00Z"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}},
        {"metadata":{"name":"pg-b"},"status":{"phase":"Pending","conditions":[{"type":"Ready","status":"False"}]}},
        {"metadata":{"name":"pg-c"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}]}"#).unwrap();
    run(
        &project,
        &["k8s", "db", "migrate", "current"],
        &[("FAKE_KUBECTL_PODS", fixture.to_str().unwrap())],
    )
    .success();
    assert!(
        port_forwards(&project)[0].contains("pod/pg-c"),
        "{:?}",
        port_forwards(&project)
    );
}

// --- bad input: one sentence, exit 2, nothing running, nothing changed ---

/// Extra flags, extra environment, and what the error must say.
type BadInput<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);

#[tokio::test]
async fn bad_input_is_one_sentence_and_changes_nothing() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    write_branched_migrations(&project);
    let cases: Vec<BadInput> = vec![
        (
            vec!["--kubectl", "/nonexistent/kubectl"],
            vec![],
            "kubectl was not found",
        ),
        (
            vec![],
            vec![("FAKE_KUBECTL_CLUSTER", "unreachable")],
            "was refused",
        ),
        (
            vec!["--context", "staging"],
            vec![("FAKE_KUBECTL_CONTEXTS", "prod")],
            "context \"staging\" does not exist",
        ),
        (
            vec!["--selector", "app in (postgres"],
            vec![],
            "unable to parse requirement",
        ),
    ];
    for (flags, env, expected) in cases {
        let mut args = vec!["k8s", "db", "migrate", "upgrade"];
        args.extend(flags);
        let failed = run(&project, &args, &env).expect_code(2);
        one_error_sentence(&failed);
        assert!(
            failed.stderr.contains(expected),
            "{args:?}: {}",
            failed.stderr
        );
        assert!(port_forwards(&project).is_empty());
    }
    // A missing password without a terminal: nothing is even asked of kubectl.
    let mut cmd = command(&project, &["k8s", "db", "migrate", "upgrade"], &[]);
    cmd.env_remove("POSTGRES_PASSWORD");
    let output = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("POSTGRES_PASSWORD is not set and there is no terminal"),
        "{stderr}"
    );
    assert_no_kubectl_left(&project);
    assert!(tables(&db).await.is_empty(), "the database changed");
}

#[tokio::test]
async fn the_context_and_namespace_pass_through_to_kubectl() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "context = \"from-file\"\n");
    run(
        &project,
        &["k8s", "--context", "prod", "db", "migrate", "current"],
        &[("K8S_NAMESPACE", "from-env")],
    )
    .success();
    let calls = invocations(&project);
    assert!(
        calls
            .iter()
            .all(|(_, args)| args.contains("--context prod") && args.contains("-n from-env")),
        "{calls:?}"
    );
}

// --- secrets ---

#[tokio::test]
async fn the_password_never_appears_in_output_errors_json_or_kubectls_command_line() {
    let db = TestDatabase::create().await;
    let role = format!("k8s_app_{}", &db.name[db.name.len() - 8..]);
    db.execute(&format!("CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'; GRANT ALL ON SCHEMA public TO {role}; GRANT ALL ON DATABASE \"{}\" TO {role};", db.name)).await;
    let project = k8s_project(&db, "");
    project.write_config(&format!(
        "[k8s]\nnamespace = \"forge-test\"\ndatabase = \"{}\"\nuser = \"{role}\"\nkubectl = \"{FAKE_KUBECTL}\"\nlocal_port = 0\n",
        db.name
    ));
    write_branched_migrations(&project);
    // `run` asserts the password is in no output; these cover success, --json and errors.
    run(&project, &["k8s", "db", "migrate", "upgrade"], &[]).success();
    run(
        &project,
        &["k8s", "db", "migrate", "current", "--json"],
        &[],
    )
    .success();
    run(&project, &["k8s", "db", "verify", "--json"], &[]);
    run(&project, &["k8s", "db", "verify"], &[]);
    run(
        &project,
        &["k8s", "db", "migrate", "upgrade"],
        &[("FAKE_KUBECTL_FORWARD", "die")],
    )
    .expect_code(2);
    run(
        &project,
        &["k8s", "db", "migrate", "show", "nosuchrev"],
        &[],
    )
    .expect_code(2);
    let log = std::fs::read_to_string(log_path(&project)).unwrap();
    assert!(!log.contains(PASSWORD), "{log}");
    assert_no_kubectl_left(&project);
    drop(db);
    drop_role(&role).await;
}

async fn drop_role(role: &str) {
    let admin = sqlx::PgPool::connect(&forge_tests::postgres::server_url())
        .await
        .unwrap();
    let _ = sqlx::query(&format!("DROP ROLE IF EXISTS {role}"))
        .execute(&admin)
        .await;
}

#[test]
fn ctrl_c_at_the_password_prompt_ends_the_command_at_once_with_the_echo_restored() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = runtime.block_on(TestDatabase::create());
    let project = k8s_project(&db, "");
    let terminal = PseudoTerminal::open();
    let mut cmd = command(&project, &["k8s", "db", "migrate", "current"], &[]);
    cmd.env_remove("POSTGRES_PASSWORD")
        .stdin(terminal.secondary())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = Spawned(cmd.spawn().unwrap());
    let mut stderr = child.0.stderr.take().unwrap();
    let (prompted, prompt) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut byte = [0u8; 1];
        while std::io::Read::read(&mut stderr, &mut byte).is_ok_and(|n| n == 1) {
            seen.push(byte[0]);
            if seen.ends_with(b": ") {
                let _ = prompted.send(());
            }
        }
    });
    prompt
        .recv_timeout(Duration::from_secs(10))
        .expect("the password prompt appears");
    assert!(!terminal.echoes(), "the prompt reads without echo");
    let sent = Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child
        .wait_timeout(Duration::from_secs(5))
        .expect("Ctrl-C ends the prompt without waiting for Enter");
    assert_eq!(status.code(), Some(2));
    assert!(terminal.echoes(), "the terminal's echo is restored");
    assert!(invocations(&project).is_empty(), "no kubectl was started");
}

/// A pseudo-terminal: what Forge sees as an interactive terminal on stdin.
struct PseudoTerminal {
    secondary: std::fs::File,
    _primary: std::fs::File,
}

impl PseudoTerminal {
    fn open() -> PseudoTerminal {
        use std::os::fd::FromRawFd;
        // SAFETY: plain libc calls on a descriptor this function owns.
        unsafe {
            let primary = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
            assert!(primary >= 0, "posix_openpt");
            assert_eq!(libc::grantpt(primary), 0);
            assert_eq!(libc::unlockpt(primary), 0);
            let name = std::ffi::CStr::from_ptr(libc::ptsname(primary))
                .to_str()
                .unwrap()
                .to_string();
            let secondary = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NOCTTY)
                .open(name)
                .unwrap();
            PseudoTerminal {
                secondary,
                _primary: std::fs::File::from_raw_fd(primary),
            }
        }
    }

    fn secondary(&self) -> std::fs::File {
        self.secondary.try_clone().unwrap()
    }

    fn echoes(&self) -> bool {
        use std::os::fd::AsRawFd;
        // SAFETY: tcgetattr fills a termios this function owns.
        unsafe {
            let mut attributes: libc::termios = std::mem::zeroed();
            assert_eq!(
                libc::tcgetattr(self.secondary.as_raw_fd(), &mut attributes),
                0
            );
            attributes.c_lflag & libc::ECHO != 0
        }
    }
}

// --- external databases ---

#[tokio::test]
async fn a_password_in_the_external_url_of_forge_toml_is_refused() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    project.write_config(
        "[k8s]\nbundled = false\nexternal_url = \"postgres://app:k8s-Sup3r-s3cret@db.example.com/appdb\"\n",
    );
    let refused = run(&project, &["k8s", "db", "migrate", "current"], &[]).expect_code(2);
    one_error_sentence(&refused);
    assert!(
        refused
            .stderr
            .contains("`k8s.external_url` carries a password"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("POSTGRES_PASSWORD"),
        "{}",
        refused.stderr
    );
}

#[tokio::test]
async fn external_mode_connects_straight_to_the_url_without_kubectl() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    project.write_config(&format!(
        "[k8s]\nbundled = false\nkubectl = \"/nonexistent/kubectl\"\nexternal_url = \"{}?sslmode=disable\"\n",
        plain_url(&db)
    ));
    write_branched_migrations(&project);
    run(&project, &["k8s", "db", "migrate", "upgrade"], &[]).success();
    assert!(tables(&db).await.contains(&"widgets".to_string()));
    let verify = run(&project, &["k8s", "db", "verify"], &[]);
    // A loopback session needs no TLS; the line says the URL turned it off (issue 14).
    assert!(
        verify.stdout.contains("OK    tls") && verify.stdout.contains("sslmode=disable"),
        "{}",
        verify.stdout
    );
    assert!(invocations(&project).is_empty());
}

#[tokio::test]
async fn external_mode_requires_tls_unless_the_url_says_otherwise() {
    let db = TestDatabase::create().await;
    // A server that declines TLS, as PostgreSQL without ssl = on does ('N').
    let plain = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = plain.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in plain.incoming().flatten() {
            let mut stream = stream;
            let mut request = [0u8; 8];
            if std::io::Read::read_exact(&mut stream, &mut request).is_ok() {
                let _ = std::io::Write::write_all(&mut stream, b"N");
            }
        }
    });
    let project = k8s_project(&db, "");
    project.write_config(&format!(
        "[k8s]\nbundled = false\nexternal_url = \"postgres://app@127.0.0.1:{port}/appdb\"\n"
    ));
    let failed = run(&project, &["k8s", "db", "migrate", "current"], &[]).expect_code(2);
    one_error_sentence(&failed);
    assert!(failed.stderr.contains("requires TLS"), "{}", failed.stderr);
    assert!(
        failed.stderr.contains("sslmode=disable"),
        "{}",
        failed.stderr
    );
    // The local server offers TLS: without sslmode in the URL it is used.
    project.write_config(&format!(
        "[k8s]\nbundled = false\nexternal_url = \"{}\"\n",
        plain_url(&db)
    ));
    let verify = run(&project, &["k8s", "db", "verify"], &[]);
    assert!(
        verify.stdout.contains("OK    tls") && verify.stdout.contains("in use"),
        "{}",
        verify.stdout
    );
}

#[tokio::test]
async fn k8s_db_verify_runs_through_the_forward() {
    let db = TestDatabase::create().await;
    let project = k8s_project(&db, "");
    let verify = run(&project, &["k8s", "db", "verify"], &[]);
    assert!(verify.stdout.contains("OK    connection"), "{verify:?}");
    assert!(verify.stdout.contains("OK    tls"), "{}", verify.stdout);
    assert!(verify.stdout.contains("SKIP  roles"), "{}", verify.stdout);
    assert_eq!(port_forwards(&project).len(), 1);
    assert_no_kubectl_left(&project);
}
