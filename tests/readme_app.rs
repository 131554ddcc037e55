//! A fresh crate outside the workspace, made of the README's "Add Forge to your
//! app" and "Testing your schema" blocks and nothing else of Forge's: it builds,
//! its CLI writes the first revision, it migrates itself at start, its own
//! schema tests pass — and `forge::migrations!` rebuilds it when a migration is
//! added, edited or removed, and stops the build on a broken one.
//!
//! Test scaffolding, not README content: the crate depends on this checkout by
//! path (Forge is not published), takes the workspace's Cargo.lock (the same
//! versions, offline) and builds into the workspace's target directory with the
//! workspace's debug settings, so it reuses every dependency already built and
//! compiles only itself. Builds use `cargo test --no-run` so the dev-dependency
//! features (`testing`) are those the workspace was built with.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use forge_tests::{TempDir, TestDatabase};

const README: &str = include_str!("../README.md");

fn workspace() -> PathBuf {
    std::fs::canonicalize(Path::new(env!("CARGO_MANIFEST_DIR")).join("..")).unwrap()
}

/// The README's code blocks that name a file (```` ```rust file=src/lib.rs ````).
fn readme_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut lines = README.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line.strip_prefix("```").and_then(|info| {
            info.split_whitespace()
                .find_map(|w| w.strip_prefix("file="))
        }) else {
            continue;
        };
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        files.push((name.to_string(), body.join("\n") + "\n"));
    }
    files
}

/// The crate `my_app`: the README's files, its `[dependencies]` pointing at
/// this checkout.
fn create_app(dir: &Path) {
    let files = readme_files();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Cargo.toml",
            "src/bin/api-forge-cli.rs",
            "src/lib.rs",
            "build.rs",
            "src/main.rs",
            "tests/schema.rs"
        ],
        "the README's file blocks"
    );
    let forge = format!("path = \"{}\"", workspace().display());
    for (name, text) in files {
        let text = if name == "Cargo.toml" {
            assert!(text.contains("forge = { version = \"0.1\""), "{text}");
            format!(
                "[package]\nname = \"my_app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n{}\n{}",
                text.replace("version = \"0.1\"", &forge),
                WORKSPACE_PROFILE
            )
        } else {
            text
        };
        let path = dir.join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::create_dir_all(dir.join("migrations/versions")).unwrap();
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

/// The workspace's debug settings (its members keep line tables, dependencies
/// none): the same profile is what lets the crate reuse the built dependencies.
const WORKSPACE_PROFILE: &str = r#"
[profile.dev]
debug = "line-tables-only"
[profile.dev.package."*"]
debug = false
[profile.dev.package.forge]
debug = "line-tables-only"
[profile.dev.package.forge-core]
debug = "line-tables-only"
[profile.dev.package.forge-cli]
debug = "line-tables-only"
[profile.dev.package.forge-derive]
debug = "line-tables-only"
[profile.dev.package.forge-macros]
debug = "line-tables-only"
"#;

struct Build {
    success: bool,
    /// Whether cargo compiled `my_app` again (rather than finding it fresh).
    recompiled: bool,
    stderr: String,
}

fn cargo(dir: &Path, args: &[&str]) -> Output {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()))
        .args(args)
        .arg("--offline")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", workspace().join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo")
}

/// What a build compiles: the library alone (enough to see whether the macro
/// ran again), or the app's binaries and its schema tests.
#[derive(Clone, Copy)]
enum Scope {
    Library,
    Everything,
}

fn build_scope(dir: &Path, scope: Scope) -> Build {
    let output = match scope {
        Scope::Library => cargo(dir, &["test", "--no-run", "--lib"]),
        // The schema tests: cargo builds the app's binaries for them too.
        Scope::Everything => cargo(dir, &["test", "--no-run", "--test", "schema"]),
    };
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    Build {
        success: output.status.success(),
        recompiled: stderr.contains("Compiling my_app"),
        stderr,
    }
}

fn build(dir: &Path) -> Build {
    build_scope(dir, Scope::Library)
}

fn built(dir: &Path) -> Build {
    built_scope(dir, Scope::Library)
}

fn built_scope(dir: &Path, scope: Scope) -> Build {
    let build = build_scope(dir, scope);
    assert!(build.success, "{}", build.stderr);
    build
}

fn run(program: &Path, dir: &Path, database_url: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("DATABASE_URL", database_url)
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn tables(db: &TestDatabase) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

/// One test, one crate: the builds share the target directory's binaries.
#[tokio::test]
async fn the_readme_app_builds_migrates_itself_tests_its_schema_and_tracks_its_migrations() {
    let project = TempDir::new("forge-readme-app");
    let dir = &project.path().join("my_app");
    create_app(dir);
    let started = std::time::Instant::now();
    let first = built_scope(dir, Scope::Everything);
    assert!(first.recompiled, "{}", first.stderr);
    eprintln!(
        "first build of the README app: {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let bin = workspace().join("target/debug");
    let cli = bin.join("api-forge-cli");
    let app = bin.join("my_app");

    // The first revision, written by the app's own CLI (with its snapshot).
    let authoring = TestDatabase::create().await;
    let revision = run(
        &cli,
        dir,
        &authoring.url,
        &["migrate", "revision", "initial"],
    );
    assert!(revision.status.success(), "{}", text(&revision));
    let written: Vec<String> = std::fs::read_dir(dir.join("migrations/versions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written.len(), 2, "{written:?}");

    // A new file: build.rs makes cargo compile the crate again, and the app
    // applies the migration at start.
    let added = built_scope(dir, Scope::Everything);
    assert!(
        added.recompiled,
        "adding a migration rebuilds the crate\n{}",
        added.stderr
    );
    let production = TestDatabase::create().await;
    let start = run(&app, dir, &production.url, &[]);
    assert!(start.status.success(), "{}", text(&start));
    assert_eq!(
        tables(&production).await,
        ["forge_history", "forge_version", "notes"]
    );

    // The README's schema tests pass.
    // The schema tests create their databases where this test does.
    std::env::set_var(
        "FORGE_TEST_DATABASE_URL",
        forge_tests::postgres::server_url(),
    );
    let tests = cargo(dir, &["test", "--test", "schema"]);
    assert!(tests.status.success(), "{}", text(&tests));
    assert!(
        String::from_utf8_lossy(&tests.stdout).contains("test result: ok. 4 passed"),
        "{}",
        text(&tests)
    );

    // Nothing changed: nothing is compiled.
    assert!(!built_scope(dir, Scope::Everything).recompiled);

    tracks_and_validates_the_folder(dir).await;
}

async fn tracks_and_validates_the_folder(dir: &Path) {
    let versions = dir.join("migrations/versions");
    for entry in std::fs::read_dir(&versions).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    assert!(built(dir).recompiled, "removing files rebuilds");
    let first = "20270101_0000_create_notes.sql";
    // forge.toml appears with the file (cargo rebuilds for the file; the
    // macro then reads and tracks forge.toml as well).
    std::fs::write(
        dir.join("forge.toml"),
        "[migrations]\nversion_table = \"forge_version\"\n",
    )
    .unwrap();
    std::fs::write(
        versions.join(first),
        "-- forge:revision a1a1a1a1a1a1\n-- forge:message create notes\n\n-- forge:upgrade\nCREATE TABLE notes (id uuid PRIMARY KEY);\n\n-- forge:downgrade\nDROP TABLE notes;\n",
    )
    .unwrap();
    assert!(built(dir).recompiled, "adding a file rebuilds");

    std::fs::write(
        versions.join(first),
        "-- forge:revision a1a1a1a1a1a1\n-- forge:message create notes\n\n-- forge:upgrade\nCREATE TABLE notes (id uuid PRIMARY KEY, title text);\n\n-- forge:downgrade\nDROP TABLE notes;\n",
    )
    .unwrap();
    assert!(built(dir).recompiled, "editing a file rebuilds");

    // Broken files stop the build, each named with its line, all at once.
    std::fs::write(
        versions.join("20270102_0000_broken.sql"),
        "-- forge:revision a2a2a2a2a2a2\n-- forge:parents a1a1a1a1a1a1\n-- forge:mesage typo\n-- forge:upgrade\nSELECT 1;\n",
    )
    .unwrap();
    std::fs::write(
        versions.join("20270103_0000_orphan.sql"),
        "-- forge:revision a3a3a3a3a3a3\n-- forge:parents ffffffffffff\n-- forge:upgrade\nSELECT 1;\n",
    )
    .unwrap();
    let broken = build(dir);
    assert!(!broken.success);
    assert!(
        broken.stderr.contains("error: migrations/versions/20270102_0000_broken.sql:3: unknown directive `-- forge:mesage`"),
        "{}",
        broken.stderr
    );
    std::fs::remove_file(versions.join("20270102_0000_broken.sql")).unwrap();
    let orphan = build(dir);
    assert!(
        orphan.stderr.contains("error: migrations/versions/20270103_0000_orphan.sql:2: parent ffffffffffff of revision a3a3a3a3a3a3 has no migration file"),
        "{}",
        orphan.stderr
    );

    // Removing a file rebuilds.
    std::fs::remove_file(versions.join("20270103_0000_orphan.sql")).unwrap();
    assert!(built(dir).recompiled, "removing a file rebuilds");

    // forge.toml's settings are compiled in: editing it rebuilds, and the app
    // records its runs in the configured version table.
    std::fs::write(
        dir.join("forge.toml"),
        "[migrations]\nversion_table = \"notes_version\"\n",
    )
    .unwrap();
    assert!(
        built_scope(dir, Scope::Everything).recompiled,
        "editing forge.toml rebuilds"
    );
    let db = TestDatabase::create().await;
    let start = run(&workspace().join("target/debug/my_app"), dir, &db.url, &[]);
    assert!(start.status.success(), "{}", text(&start));
    assert_eq!(
        tables(&db).await,
        ["notes", "notes_history", "notes_version"]
    );

    // Without the build script cargo does not notice a new file; the binary
    // it kept then refuses to run rather than apply fewer migrations.
    std::fs::remove_file(dir.join("build.rs")).unwrap();
    built_scope(dir, Scope::Everything);
    std::fs::write(
        versions.join("20270104_0000_later.sql"),
        "-- forge:revision a4a4a4a4a4a4\n-- forge:parents a1a1a1a1a1a1\n-- forge:upgrade\nSELECT 1;\n",
    )
    .unwrap();
    assert!(
        !built_scope(dir, Scope::Everything).recompiled,
        "without build.rs a new file goes unnoticed by cargo"
    );
    let stale = run(&workspace().join("target/debug/my_app"), dir, &db.url, &[]);
    assert!(!stale.status.success());
    assert!(
        text(&stale).contains("this binary embeds ")
            && text(&stale).contains("added: 20270104_0000_later.sql"),
        "{}",
        text(&stale)
    );
}
