//! forge.toml, the environment, `.env` and flags, as the binary reads them:
//! found upwards or given with --config, overridden in that order, and a bad
//! key or type named with its file.

use forge_tests::{Project, Run, TestDatabase};

const FAKE_KUBECTL: &str = env!("CARGO_BIN_EXE_fake-kubectl");

fn connection_line(run: &Run) -> &str {
    run.stdout
        .lines()
        .find(|l| l.contains("connection"))
        .unwrap_or_else(|| panic!("{run:?}"))
}

fn run_in(project: &Project, dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = project.command(args);
    command.current_dir(dir);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into(),
        stderr: String::from_utf8_lossy(&output.stderr).into(),
    }
}

#[tokio::test]
async fn an_unknown_key_is_named_with_its_file_and_line() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    project.write_config("[k8s]\nnamspace = \"prod\"\n");
    let run = project.cli(&["db", "verify"]).expect_code(2);
    assert!(
        run.stderr.contains("forge.toml") && run.stderr.contains("`k8s.namspace` (line 4)"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .count(),
        1,
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn a_wrong_type_is_named_with_its_file() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    project.write_config("[k8s]\nbundled = \"yes\"\n");
    let run = project.cli(&["k8s", "db", "verify"]).expect_code(2);
    assert!(
        run.stderr.contains("forge.toml") && run.stderr.contains("`k8s.bundled`"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn forge_toml_is_found_upwards_and_with_config() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    let nested = project.path().join("src/deep");
    std::fs::create_dir_all(&nested).unwrap();
    let run = run_in(&project, &nested, &["db", "verify"], &[]);
    assert!(
        connection_line(&run).starts_with("OK") && connection_line(&run).contains(&db.name),
        "{run:?}"
    );

    let elsewhere = forge_tests::TempDir::new("forge-elsewhere");
    let run = run_in(
        &project,
        elsewhere.path(),
        &[
            "db",
            "verify",
            "--config",
            project.path().join("forge.toml").to_str().unwrap(),
        ],
        &[],
    );
    assert!(connection_line(&run).contains(&db.name), "{run:?}");
    let missing = run_in(
        &project,
        elsewhere.path(),
        &["db", "verify", "--config", "/nonexistent/forge.toml"],
        &[],
    )
    .expect_code(2);
    assert!(
        missing.stderr.contains("/nonexistent/forge.toml"),
        "{}",
        missing.stderr
    );
}

#[tokio::test]
async fn the_environment_beats_dotenv_which_beats_the_file_and_flags_beat_all() {
    let db = TestDatabase::create().await;
    let other = TestDatabase::create().await;
    let project =
        Project::with_url("postgres://postgres@127.0.0.1:5432/no_such_database_in_the_file");
    // .env fills DATABASE_URL when the environment does not set it.
    std::fs::write(
        project.path().join(".env"),
        format!("DATABASE_URL={}\n", db.url),
    )
    .unwrap();
    let run = project.cli(&["db", "verify"]);
    assert!(connection_line(&run).contains(&db.name), "{run:?}");
    // The environment wins over .env.
    let run = run_in(
        &project,
        project.path(),
        &["db", "verify"],
        &[("DATABASE_URL", &other.url)],
    );
    assert!(connection_line(&run).contains(&other.name), "{run:?}");
    // The flag wins over the environment.
    let run = run_in(
        &project,
        project.path(),
        &["db", "verify", "--database-url", &db.url],
        &[("DATABASE_URL", &other.url)],
    );
    assert!(connection_line(&run).contains(&db.name), "{run:?}");
}

#[tokio::test]
async fn namespace_from_flag_beats_the_environment_which_beats_the_file() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    project.write_config(&format!("[k8s]\nnamespace = \"from-file\"\ndatabase = \"{}\"\nkubectl = \"{FAKE_KUBECTL}\"\nlocal_port = 0\n", db.name));
    // POSTGRES_PASSWORD comes from .env too.
    std::fs::write(
        project.path().join(".env"),
        "POSTGRES_PASSWORD=from-dotenv\n",
    )
    .unwrap();
    let log = project.path().join("kubectl.log");
    let log_env = ("FAKE_KUBECTL_LOG", log.to_str().unwrap());
    run_in(
        &project,
        project.path(),
        &["k8s", "db", "migrate", "current"],
        &[log_env],
    )
    .success();
    run_in(
        &project,
        project.path(),
        &["k8s", "db", "migrate", "current"],
        &[log_env, ("K8S_NAMESPACE", "from-env")],
    )
    .success();
    run_in(
        &project,
        project.path(),
        &[
            "k8s",
            "db",
            "migrate",
            "current",
            "--namespace",
            "from-flag",
        ],
        &[log_env, ("K8S_NAMESPACE", "from-env")],
    )
    .success();
    let text = std::fs::read_to_string(&log).unwrap();
    let namespaces: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("get pods"))
        .map(|l| l.split_whitespace().nth(4).unwrap())
        .collect();
    assert_eq!(namespaces, ["from-file", "from-env", "from-flag"], "{text}");
    assert!(!text.contains("from-dotenv"));
}
