//! `api-forge-cli migrate revision` end to end, with the example app's models:
//! the first revision, the fixed point once it is applied, the flags, and the
//! bad input that must stop before any file is written.

use std::path::Path;

use forge_core::script::MigrationScript;
use forge_tests::{Project, TestDatabase};
use sqlx::Connection;

/// Applies a revision's upgrade section and records it in the version table,
/// as `migrate upgrade` does.
async fn apply_upgrade(db: &TestDatabase, file: &Path) {
    let script = MigrationScript::from_file(file).expect("the generated file parses");
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    for statement in &script.upgrade.statements {
        sqlx::raw_sql(&statement.sql)
            .execute(&mut *tx)
            .await
            .unwrap_or_else(|e| panic!("{e}: {}", statement.sql));
    }
    sqlx::raw_sql("CREATE TABLE IF NOT EXISTS forge_version (version_num varchar(32) PRIMARY KEY); DELETE FROM forge_version")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("INSERT INTO forge_version (version_num) VALUES ($1)")
        .bind(&script.revision)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn the_first_revision_creates_the_models_and_then_nothing_changes() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    let run = project.cli(&["migrate", "revision", "initial"]).success();
    let files = project.version_files();
    assert_eq!(files.len(), 1, "{run:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(
        name.ends_with("_initial.sql") && name.len() == "20250101_120000_initial.sql".len(),
        "{name}"
    );
    assert!(
        run.stdout
            .starts_with(&format!("Generated migrations/versions/{name} (revision ")),
        "{}",
        run.stdout
    );
    for line in [
        "  + enum order_status (pending, paid, shipped, cancelled)",
        "  + table users",
        "  + table products",
    ] {
        assert!(
            run.stdout.lines().any(|l| l == line),
            "missing {line:?} in\n{}",
            run.stdout
        );
    }
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        text.contains("\n-- forge:upgrade\nCREATE TYPE \"order_status\""),
        "{text}"
    );
    assert!(
        text.contains("\n-- forge:downgrade\n-- forge:warning drops table"),
        "{text}"
    );
    let script = MigrationScript::from_file(&files[0]).unwrap();
    assert!(script.parents.is_empty());

    apply_upgrade(&db, &files[0]).await;
    let again = project.cli(&["migrate", "revision", "again"]).success();
    assert_eq!(again.stdout, "No changes detected\n");
    assert_eq!(project.version_files(), files, "no new file when in sync");
}

#[tokio::test]
async fn a_database_behind_the_files_is_refused() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    project.cli(&["migrate", "revision", "initial"]).success();
    let files = project.version_files();
    let run = project
        .cli(&["migrate", "revision", "second"])
        .expect_code(2);
    let head = MigrationScript::from_file(&files[0]).unwrap().revision;
    assert!(
        run.stderr.starts_with(&format!(
            "error: the database is at base (no revision applied) but the migrations head is {head}; run `migrate upgrade` first"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(project.version_files(), files);
}

#[tokio::test]
async fn templates_branches_dependencies_and_merges() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    let root = project
        .cli(&["migrate", "revision", "root", "--no-autogenerate"])
        .success();
    assert!(
        root.stdout.contains("empty: write its SQL by hand"),
        "{}",
        root.stdout
    );
    let root_id = MigrationScript::from_file(&project.version_files()[0])
        .unwrap()
        .revision;

    project
        .cli(&[
            "migrate",
            "revision",
            "feature a",
            "--no-autogenerate",
            "--branch-label",
            "feature_a",
        ])
        .success();
    project
        .cli(&[
            "migrate",
            "revision",
            "feature b",
            "--no-autogenerate",
            "--head",
            &root_id,
            "--depends-on",
            &root_id[..6],
        ])
        .expect_code(2);
    project
        .cli(&[
            "migrate",
            "revision",
            "feature b",
            "--no-autogenerate",
            "--head",
            &root_id,
            "--branch-label",
            "feature_b",
            "--depends-on",
            &root_id[..6],
        ])
        .success();
    let scripts: Vec<MigrationScript> = project
        .version_files()
        .iter()
        .map(|f| MigrationScript::from_file(f).unwrap())
        .collect();
    let b = scripts.iter().find(|s| s.message == "feature b").unwrap();
    assert_eq!(b.parents, [root_id.as_str()]);
    assert_eq!(b.depends_on, [root_id.as_str()]);
    assert_eq!(
        scripts
            .iter()
            .find(|s| s.message == "feature a")
            .unwrap()
            .branch_labels,
        ["feature_a"]
    );

    // Two heads: a plain revision must pick one or merge.
    let run = project
        .cli(&["migrate", "revision", "next", "--no-autogenerate"])
        .expect_code(2);
    assert!(
        run.stderr.contains("the migrations have 2 heads"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--merge"), "{}", run.stderr);

    let merge = project
        .cli(&["migrate", "revision", "merge features", "--merge"])
        .success();
    assert!(merge.stdout.contains("merging"), "{}", merge.stdout);
    let merged = project
        .version_files()
        .iter()
        .map(|f| MigrationScript::from_file(f).unwrap())
        .find(|s| s.message == "merge features")
        .unwrap();
    assert_eq!(merged.parents.len(), 2);
    assert!(merged.upgrade.statements.is_empty());
    project
        .cli(&["migrate", "revision", "after merge", "--no-autogenerate"])
        .success();

    let run = project
        .cli(&["migrate", "revision", "nothing to merge", "--merge"])
        .expect_code(2);
    assert!(
        run.stderr.contains("there is nothing to merge"),
        "{}",
        run.stderr
    );
}

fn assert_refused(project: &Project, expected: &str) {
    let before = project.version_files();
    let run = project.cli(&["migrate", "revision", "x"]).expect_code(2);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(
        run.stderr.contains(expected),
        "expected {expected:?} in\n{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("s3cret"),
        "the password leaked:\n{}",
        run.stderr
    );
    assert_eq!(project.version_files(), before, "no file is written");
}

#[tokio::test]
async fn bad_input_is_one_sentence_exit_2_and_no_file() {
    let db = TestDatabase::create().await;

    let unreachable = Project::with_url("postgres://postgres:s3cret@127.0.0.1:1/nowhere");
    assert_refused(
        &unreachable,
        "cannot reach the database server at postgres://postgres:***@127.0.0.1:1/nowhere",
    );

    let wrong_user = Project::with_url(&db.url.replacen(
        "postgres://postgres",
        "postgres://nobody_here:s3cret",
        1,
    ));
    assert_refused(&wrong_user, "refused the credentials");

    let project = Project::new(&db);
    project.write_config("schema = \"missing_schema\"\n");
    assert_refused(&project, "schema `missing_schema` does not exist");

    let project = Project::new(&db);
    std::fs::remove_dir_all(project.versions_dir()).unwrap();
    let run = project.cli(&["migrate", "revision", "x"]).expect_code(2);
    assert!(
        run.stderr.contains("does not exist; create it"),
        "{}",
        run.stderr
    );
    assert!(!project.versions_dir().exists());

    let project = Project::new(&db);
    project.write_config("[migrations]\ndir = \"forge.toml\"\n");
    let run = project.cli(&["migrate", "revision", "x"]).expect_code(2);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
}
