//! `forge::testing`, as an app's own tests use it: a database per test (with
//! the migrations applied, dropped also when the test panics), and the schema
//! assertions, each shown to pass on good migrations and to fail — saying what
//! differs and what to write — on bad ones.
//!
//! This test binary links only its own entity (not the example app), so the
//! fixtures under `fixtures/migrations/` describe exactly its models.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use forge::migrate::EmbeddedMigrations;
use forge::sqlx::{self, PgPool};
use forge::testing::{self, TestDatabase};
use forge::EntityTable;

// No doc comment: it would become a table comment the fixtures do not carry.
#[derive(EntityTable)]
#[forge(table = "notes")]
pub struct NoteTable {
    #[forge(primary_key)]
    pub id: i64,
    #[forge(max_length = 200)]
    pub title: String,
    pub body: Option<String>,
}

/// Two revisions that build the model and revert cleanly, with a snapshot.
static NOTES: EmbeddedMigrations = forge::migrations!("fixtures/migrations/notes");
/// The first revision only: the models gained `body` without a revision.
static NOTES_DRIFTED: EmbeddedMigrations = forge::migrations!("fixtures/migrations/notes_drifted");
/// The second revision's downgrade forgets the view its upgrade created.
static NOTES_IRREVERSIBLE: EmbeddedMigrations =
    forge::migrations!("fixtures/migrations/notes_irreversible");

/// The message of the panic `f` raised.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("it should panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[forge::test(migrations = NOTES)]
async fn a_test_gets_a_database_of_its_own_with_the_migrations_applied(db: TestDatabase) {
    assert!(db.name().starts_with("forge_test_"), "{}", db.name());
    sqlx::query("INSERT INTO notes (id, title, body) VALUES (1, 'first', 'hello')")
        .execute(db.pool())
        .await
        .unwrap();
    let current: String = sqlx::query_scalar("SELECT version_num FROM forge_version")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(current, "b2b2b2b2b2b2");
}

#[forge::test(migrations = "fixtures/migrations/notes")]
async fn a_folder_can_be_named_in_place_of_a_static(pool: PgPool) {
    let columns: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'notes'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(columns, 3);
}

#[forge::test]
async fn without_migrations_the_database_is_empty(pool: PgPool) {
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(tables, 0);
}

#[forge::test(migrations = NOTES)]
async fn a_test_may_return_a_result() -> Result<(), sqlx::Error> {
    Ok(())
}

#[forge::test]
#[should_panic(expected = "a failing test")]
async fn other_attributes_are_kept(_db: TestDatabase) {
    panic!("a failing test");
}

#[test]
fn the_database_is_dropped_even_when_the_test_panics() {
    static NAME: Mutex<String> = Mutex::new(String::new());
    let message = panic_message(|| {
        testing::run(Some(&NOTES), |db| async move {
            *NAME.lock().unwrap() = db.name().to_string();
            panic!("the test failed");
        })
    });
    assert_eq!(message, "the test failed");
    let name = NAME.lock().unwrap().clone();
    assert!(name.starts_with("forge_test_"), "{name}");
    let left: i64 = testing::run(None, |db| async move {
        sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname = $1")
            .bind(name)
            .fetch_one(db.pool())
            .await
            .unwrap()
    });
    assert_eq!(left, 0, "the panicking test's database is gone");
}

#[test]
fn the_server_comes_from_forge_test_database_url_then_database_url() {
    // One test owns these variables (nextest runs each test in its own process).
    std::env::remove_var("FORGE_TEST_DATABASE_URL");
    std::env::remove_var("DATABASE_URL");
    assert_eq!(testing::server_url(), testing::DEFAULT_SERVER_URL);
    std::env::set_var("DATABASE_URL", "postgres://app@db/app_dev");
    assert_eq!(testing::server_url(), "postgres://app@db/app_dev");
    std::env::set_var(
        "FORGE_TEST_DATABASE_URL",
        "postgres://ci@test-server/postgres",
    );
    assert_eq!(testing::server_url(), "postgres://ci@test-server/postgres");
    std::env::remove_var("FORGE_TEST_DATABASE_URL");
    std::env::remove_var("DATABASE_URL");
}

#[test]
fn the_models_match_migrations_that_build_them() {
    testing::assert_models_valid();
    testing::assert_models_match_migrations(&NOTES);
    testing::assert_models_match_snapshot(&NOTES);
}

#[test]
fn a_model_change_without_a_revision_fails_with_the_sql_to_write() {
    let message = panic_message(|| testing::assert_models_match_migrations(&NOTES_DRIFTED));
    assert_eq!(
        message,
        "the migrations do not build the schema the models describe: 1 difference\n  + column notes.body: text\n\n`migrate revision MESSAGE` would write:\nALTER TABLE \"notes\" ADD COLUMN \"body\" text;"
    );
}

#[test]
fn the_snapshot_check_needs_no_database() {
    std::env::set_var(
        "FORGE_TEST_DATABASE_URL",
        "postgres://nobody@127.0.0.1:9/none",
    );
    testing::assert_models_match_snapshot(&NOTES);
    let message = panic_message(|| testing::assert_models_match_snapshot(&NOTES_DRIFTED));
    assert!(
        message.starts_with("the models changed since revision a1a1a1a1a1a1 recorded them (fixtures/migrations/notes_drifted/20270101_0000_create_notes.schema.json), and no revision was written for the change: 1 difference\n  + column notes.body: text\n"),
        "{message}"
    );
}

#[test]
fn migrations_that_revert_cleanly_pass() {
    testing::assert_reversible(&NOTES);
}

#[test]
fn a_downgrade_that_leaves_something_behind_is_named() {
    let message = panic_message(|| testing::assert_reversible(&NOTES_IRREVERSIBLE));
    assert_eq!(
        message,
        "the downgrade of revision b2b2b2b2b2b2 (fixtures/migrations/notes_irreversible/20270102_0000_add_body_and_a_view.sql) does not restore the catalog its upgrade started from:\n  left behind: view note_titles"
    );
}
