//! An app migrating itself: the migrations `forge::migrations!` embedded in the
//! example app's binary, applied at start on the app's own pool — with the
//! settings of forge.toml, in the configured schema, recorded as the CLI
//! records them and serialized with the CLI's runs by the same lock.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use forge::migrate::{EmbedError, EmbeddedFile, EmbeddedMigrations, RunnerError, Settings};
use forge_tests::{Project, TestDatabase};
use sqlx::Connection;

fn repository_versions() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/versions");
    std::fs::canonicalize(dir).unwrap().display().to_string()
}

fn cli_project(db: &TestDatabase) -> Project {
    let project = Project::new(db);
    project.write_config(&format!(
        "[migrations]\ndir = \"{}\"\n",
        repository_versions()
    ));
    project
}

#[tokio::test]
async fn the_example_app_migrates_itself_at_start_and_the_cli_sees_the_same_history() {
    let db = TestDatabase::create().await;
    let start = || {
        Command::new(forge_tests::startup_example())
            .env("DATABASE_URL", &db.url)
            .output()
            .unwrap()
    };
    let first = start();
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        stdout,
        "applied 0c9e8ae119d8 initial schema\napplied bb6ef5c88c20 entity ids default to gen_random_uuid()\nschema ready (2 migration(s) applied); serving\n"
    );
    let again = start();
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        "schema ready (0 migration(s) applied); serving\n"
    );

    let current = cli_project(&db).cli(&["migrate", "current"]).success();
    assert!(
        current.stdout.contains("bb6ef5c88c20 (head)"),
        "{}",
        current.stdout
    );
}

#[tokio::test]
async fn the_settings_are_those_of_the_nearest_forge_toml() {
    let settings = shop::MIGRATIONS.settings();
    assert_eq!(settings.schema, "public");
    assert_eq!(settings.version_table, "forge_version");
    let config = Path::new(settings.config.expect("the repository has a forge.toml"));
    assert_eq!(
        std::fs::canonicalize(config).unwrap(),
        std::fs::canonicalize(Path::new(env!("CARGO_MANIFEST_DIR")).join("../forge.toml")).unwrap()
    );
    assert_eq!(
        shop::MIGRATIONS.migrator().unwrap().graph().heads(),
        ["bb6ef5c88c20"]
    );
}

/// The CLI holds the migration lock (its run is stuck behind a table lock the
/// test holds); the app's upgrade, started meanwhile, waits for that lock and
/// then finds nothing to do. With two different locks both runs would apply
/// the migration and one would fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_and_the_cli_take_the_same_lock() {
    let db = TestDatabase::create().await;
    let migrator = shop::MIGRATIONS.migrator().unwrap();
    db.execute(&migrator.bookkeeping().create_sql()).await;
    let mut blocker = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::raw_sql("BEGIN; LOCK TABLE forge_version IN ACCESS EXCLUSIVE MODE")
        .execute(&mut blocker)
        .await
        .unwrap();

    let project = cli_project(&db);
    let mut cli = project.command(&["migrate", "upgrade"]);
    let cli = tokio::task::spawn_blocking(move || cli.output());
    wait_until_the_migration_lock_is_held(&db).await;

    let pool = db.pool.clone();
    let app = tokio::spawn(async move { shop::MIGRATIONS.upgrade(&pool).await });
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(!app.is_finished(), "the app's run waits for the CLI's lock");
    sqlx::raw_sql("COMMIT").execute(&mut blocker).await.unwrap();

    let cli = cli.await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&cli.stdout);
    assert!(
        cli.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    assert!(stdout.contains("Upgraded 2 migrations"), "{stdout}");
    let applied_by_app = app
        .await
        .unwrap()
        .expect("the app's run succeeds after the CLI's");
    assert!(applied_by_app.is_empty(), "{applied_by_app:?}");
}

async fn wait_until_the_migration_lock_is_held(db: &TestDatabase) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let held: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap();
        if held > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the CLI never took the migration lock"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

static INITIAL: [EmbeddedFile; 1] = [EmbeddedFile {
    path: "migrations/versions/20261125_2209_initial_schema.sql",
    text: include_str!("../migrations/versions/20261125_2209_initial_schema.sql"),
}];

/// The shop's migrations as `forge::migrations!` would embed them under a
/// forge.toml saying `schema = "shop"` and `version_table = "shop_version"`.
static IN_SHOP_SCHEMA: EmbeddedMigrations = EmbeddedMigrations::__new(
    "/nonexistent",
    &INITIAL,
    &[],
    Settings {
        schema: "shop",
        version_table: "shop_version",
        config: None,
    },
);

#[tokio::test]
async fn the_tables_land_in_the_configured_schema_and_the_apps_pool_is_left_as_it_was() {
    let db = TestDatabase::create().await;
    let missing = IN_SHOP_SCHEMA.upgrade(&db.pool).await.unwrap_err();
    assert!(
        matches!(missing, EmbedError::Connect(_))
            && missing.to_string().contains("schema `shop` does not exist"),
        "{missing}"
    );

    db.execute("CREATE SCHEMA shop").await;
    let applied = IN_SHOP_SCHEMA.upgrade(&db.pool).await.unwrap();
    assert_eq!(applied.len(), 1);
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT schemaname || '.' || tablename FROM pg_tables WHERE tablename IN ('users', 'shop_version') ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(tables, ["shop.shop_version", "shop.users"]);
    let search_path: String = sqlx::query_scalar("SHOW search_path")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(search_path, "\"$user\", public");

    let status = IN_SHOP_SCHEMA.status(&db.pool).await.unwrap();
    assert_eq!(status.heads, ["0c9e8ae119d8"]);
    assert!(status.pending.is_empty());
    let reverted = IN_SHOP_SCHEMA.downgrade(&db.pool, "base").await.unwrap();
    assert_eq!(reverted.len(), 1);
}

#[tokio::test]
async fn a_bad_target_is_the_runners_own_error() {
    let db = TestDatabase::create().await;
    let err = shop::MIGRATIONS
        .upgrade_to(&db.pool, "nothere")
        .await
        .unwrap_err();
    assert!(
        matches!(err, EmbedError::Run(RunnerError::Graph(_))),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "no revision matches `nothere`; run `migrate history` to list the revisions"
    );
}
