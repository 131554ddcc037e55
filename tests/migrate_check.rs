//! `migrate check` says what drifted and what to do, in its three ways of
//! looking: against the configured database, through a scratch database (the
//! migration files against the models, no deployed database), and offline
//! (the models against the head revision's snapshot, no database at all); and
//! `migrate revision` records the snapshot the offline check reads.

use std::path::{Path, PathBuf};

use forge_tests::{Project, Run, TestDatabase};

/// A server nothing listens on: a command that tried to connect would fail.
const NO_SERVER: &str = "postgres://postgres@127.0.0.1:9/nowhere";

fn repository_versions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/versions")
}

/// The example app's first revision.
const FIRST: &str = "0c9e8ae119d8";
/// The example app's head revision, the one with the models' snapshot.
const HEAD: &str = "bb6ef5c88c20";

/// The repository's revisions (the example app's models), and the head's
/// snapshot when `with_snapshot`, copied into the project.
fn copy_example_revisions(project: &Project, with_snapshot: bool) -> PathBuf {
    let mut copied = None;
    for entry in std::fs::read_dir(repository_versions()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let is_snapshot = name.ends_with(".schema.json");
        if name.ends_with(".sql") || (is_snapshot && with_snapshot) {
            let target = project.versions_dir().join(&name);
            std::fs::copy(&path, &target).unwrap();
            if !is_snapshot {
                copied = Some(target);
            }
        }
    }
    copied.expect("the repository has its revisions")
}

fn snapshot_files(project: &Project) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(project.versions_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".schema.json"))
        .collect();
    names.sort();
    names
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// Removes a table from every snapshot of the project: as if the models had
/// gained it after the revision was written.
fn forget_table_in_snapshots(project: &Project, table: &str) {
    for name in snapshot_files(project) {
        let path = project.versions_dir().join(name);
        let mut value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        value["schema"]["tables"]
            .as_array_mut()
            .unwrap()
            .retain(|t| t["name"] != table);
        std::fs::write(&path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    }
}

#[tokio::test]
async fn a_revision_records_the_models_and_the_offline_check_needs_no_database() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    let run = project.cli(&["migrate", "revision", "initial"]).success();
    let snapshots = snapshot_files(&project);
    assert_eq!(snapshots.len(), 1, "{run:?}");
    let sql = project.version_files()[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    assert_eq!(snapshots[0], sql.replace(".sql", ".schema.json"));
    assert!(
        run.stdout.contains(&format!(
            "  models recorded in migrations/versions/{} (commit it with the migration)",
            snapshots[0]
        )),
        "{}",
        run.stdout
    );

    // Nothing answers at the configured URL: the offline check does not ask.
    let offline = Project::with_url(NO_SERVER);
    for name in [&sql, &snapshots[0]] {
        std::fs::copy(
            project.versions_dir().join(name),
            offline.versions_dir().join(name),
        )
        .unwrap();
    }
    let ok = offline.cli(&["migrate", "check", "--offline"]).success();
    assert_eq!(
        ok.stdout,
        "OK: the models match what the head revision recorded.\n"
    );

    forget_table_in_snapshots(&offline, "categories");
    let drifted = offline
        .cli(&["migrate", "check", "--offline"])
        .expect_code(1);
    assert!(
        drifted
            .stdout
            .starts_with("FAIL the models changed since revision "),
        "{}",
        drifted.stdout
    );
    assert!(
        drifted.stdout.contains("\n       + table categories\n"),
        "{}",
        drifted.stdout
    );
    assert!(
        drifted
            .stdout
            .contains("     hint: `migrate revision MESSAGE` writes a revision for the change"),
        "{}",
        drifted.stdout
    );
    assert!(!drifted.stdout.contains("CREATE TABLE"), "SQL only with -v");
    assert!(
        drifted.stderr.starts_with(
            "error: migrate check found 1 problem: the models changed since revision "
        ),
        "{}",
        drifted.stderr
    );

    let verbose = offline
        .cli(&["migrate", "check", "--offline", "-v"])
        .expect_code(1);
    assert!(
        verbose
            .stdout
            .contains("     SQL a new revision would contain:\n       CREATE TABLE \"categories\""),
        "{}",
        verbose.stdout
    );
}

#[test]
fn the_offline_check_without_a_snapshot_cannot_say_and_tells_how_to_record_one() {
    let project = Project::with_url(NO_SERVER);
    copy_example_revisions(&project, false);
    let run = project
        .cli(&["migrate", "check", "--offline"])
        .expect_code(2);
    assert!(
        run.stderr.starts_with(&format!(
            "error: cannot check offline: head revision {HEAD} has no model snapshot ("
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("\nhint: with a database, `migrate check --scratch --record-snapshot`"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn the_scratch_check_builds_the_files_in_a_throwaway_database_and_records_the_snapshot() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    copy_example_revisions(&project, false);

    let run = project
        .cli(&["migrate", "check", "--scratch", "--record-snapshot"])
        .success();
    assert!(
        run.stdout.starts_with(&format!("OK: the migration files build exactly the schema the models describe.\nRecorded the models as revision {HEAD}'s snapshot in migrations/versions/")),
        "{}",
        run.stdout
    );
    let recorded =
        std::fs::read_to_string(project.versions_dir().join(&snapshot_files(&project)[0])).unwrap();
    let committed =
        std::fs::read_to_string(repository_versions().join(&snapshot_files(&project)[0])).unwrap();
    assert_eq!(
        recorded, committed,
        "the repository's snapshot is what the check records"
    );

    // The configured database was never touched: no version table there.
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(tables, 0);
}

#[tokio::test]
async fn the_scratch_check_names_what_the_files_build_differently_and_records_nothing() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    copy_example_revisions(&project, false);
    std::fs::write(
        project.versions_dir().join("20270101_0000_drop_phone.sql"),
        format!("-- forge:revision 1a2b3c4d5e6f\n-- forge:parents {HEAD}\n-- forge:message drop phone\n\n-- forge:upgrade\nALTER TABLE users DROP COLUMN phone_number;\n\n-- forge:downgrade\nALTER TABLE users ADD COLUMN phone_number varchar(20);\n"),
    )
    .unwrap();

    let run = project
        .cli(&[
            "migrate",
            "check",
            "--scratch",
            "--record-snapshot",
            "--json",
        ])
        .expect_code(1);
    assert!(
        run.stdout.starts_with("{\n  \"format_version\": 1,\n"),
        "{}",
        run.stdout
    );
    let report = json(&run);
    assert_eq!(report["mode"], "scratch");
    assert_eq!(report["ok"], false);
    let problem = &report["problems"][0];
    assert_eq!(problem["cause"], "migrations_differ");
    assert_eq!(
        problem["changes"][0],
        "+ column users.phone_number: varchar(20)"
    );
    assert_eq!(
        problem["sql"],
        "ALTER TABLE \"users\" ADD COLUMN \"phone_number\" varchar(20);\nCOMMENT ON COLUMN \"users\".\"phone_number\" IS 'Optional contact number.';"
    );
    assert!(problem["hint"]
        .as_str()
        .unwrap()
        .contains("migrate revision"));
    assert!(
        snapshot_files(&project).is_empty(),
        "a failed check records nothing"
    );
}

#[tokio::test]
async fn the_database_check_says_what_is_pending_then_what_drifted() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    copy_example_revisions(&project, true);

    let pending = project.cli(&["migrate", "check", "--json"]).expect_code(1);
    let report = json(&pending);
    assert_eq!(report["mode"], "database");
    assert_eq!(report["problems"][0]["cause"], "pending");
    assert_eq!(report["problems"][0]["revisions"][0], FIRST);
    assert_eq!(report["problems"][0]["revisions"][1], HEAD);
    assert_eq!(report["problems"][0]["hint"], "run `migrate upgrade`");
    assert_eq!(report["snapshot"]["revision"], HEAD);

    project.cli(&["migrate", "upgrade"]).success();
    project.cli(&["migrate", "check"]).success();

    db.execute("ALTER TABLE users DROP COLUMN phone_number")
        .await;
    let drift = project.cli(&["migrate", "check", "-v"]).expect_code(1);
    assert_eq!(
        drift.stdout,
        "FAIL the database differs from the models: a new revision would contain 1 change\n       + column users.phone_number: varchar(20)\n     SQL a new revision would contain:\n       ALTER TABLE \"users\" ADD COLUMN \"phone_number\" varchar(20);\n       COMMENT ON COLUMN \"users\".\"phone_number\" IS 'Optional contact number.';\n     hint: `migrate revision MESSAGE` writes these changes as a revision; if the database was changed by hand, undo that instead\n"
    );
}

#[tokio::test]
async fn a_revision_that_changes_nothing_carries_the_snapshot_its_parents_agree_on() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    copy_example_revisions(&project, true);
    project
        .cli(&["migrate", "revision", "backfill", "--no-autogenerate"])
        .success();
    project
        .cli(&[
            "migrate",
            "revision",
            "audit",
            "--no-autogenerate",
            "--head",
            HEAD,
            "--branch-label",
            "audit",
        ])
        .success();
    let merge = project.cli(&["migrate", "merge", "-m", "join"]).success();
    assert!(
        merge.stdout.contains("  models recorded in "),
        "{}",
        merge.stdout
    );
    assert_eq!(snapshot_files(&project).len(), 4);
    let offline = project.cli(&["migrate", "check", "--offline"]).success();
    assert!(offline.stdout.starts_with("OK"), "{}", offline.stdout);
}

#[tokio::test]
async fn the_database_check_names_an_index_an_interrupted_concurrent_build_left_invalid() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    copy_example_revisions(&project, true);
    project.cli(&["migrate", "upgrade"]).success();
    project.cli(&["migrate", "check"]).success();

    // A concurrent unique build over duplicates fails, and PostgreSQL keeps the
    // index, invalid: what a killed `CREATE INDEX CONCURRENTLY` leaves too.
    db.execute("CREATE TABLE notes (body text); INSERT INTO notes VALUES ('a'), ('a')")
        .await;
    assert!(
        sqlx::raw_sql("CREATE UNIQUE INDEX CONCURRENTLY notes_body ON notes (body)")
            .execute(&db.pool)
            .await
            .is_err()
    );
    let run = project.cli(&["migrate", "check", "--json"]).expect_code(1);
    let report = json(&run);
    let invalid = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["cause"] == "invalid_indexes")
        .unwrap_or_else(|| panic!("no invalid_indexes problem: {report:#}"));
    assert_eq!(
        invalid["message"],
        "1 index left invalid by an interrupted CREATE INDEX CONCURRENTLY: public.notes_body"
    );
    assert_eq!(
        invalid["changes"][0],
        "DROP INDEX CONCURRENTLY \"public\".\"notes_body\";"
    );
}
