//! The example app's own migrations (migrations/versions in the repository)
//! build exactly the schema its models describe, and revert cleanly: the
//! workflow a newcomer follows, checked on every run.

use forge_tests::{Project, TestDatabase};

fn repository_versions() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/versions");
    std::fs::canonicalize(dir)
        .expect("migrations/versions exists")
        .display()
        .to_string()
}

#[tokio::test]
async fn the_committed_migrations_match_the_models_and_revert_to_an_empty_database() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    project.write_config(&format!(
        "[migrations]\ndir = \"{}\"\n",
        repository_versions()
    ));

    project.cli(&["migrate", "upgrade"]).success();
    let check = project.cli(&["migrate", "check"]).success();
    assert!(
        check.stdout.contains("the models match"),
        "{}",
        check.stdout
    );

    project.cli(&["migrate", "downgrade", "base"]).success();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'forge_%'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert!(
        tables.is_empty(),
        "left behind after downgrade base: {tables:?}"
    );
}

/// A custom version table (and the history table named after it) is Forge's
/// own bookkeeping, not drift.
#[tokio::test]
async fn a_custom_version_table_is_not_mistaken_for_drift() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    project.write_config(&format!(
        "[migrations]\ndir = \"{}\"\nversion_table = \"shop_version\"\n",
        repository_versions()
    ));
    project.cli(&["migrate", "upgrade"]).success();
    let check = project.cli(&["migrate", "check"]).success();
    assert!(
        check.stdout.contains("the models match"),
        "{}",
        check.stdout
    );
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'shop_%' ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(tables, ["shop_history", "shop_version"]);
}
