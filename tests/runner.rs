//! The runner as a library, as an app embedding its migrations uses it: on its
//! own pool, with the same lock and bookkeeping as the CLI.

use std::sync::{Arc, Mutex};

use std::time::Duration;

use forge_core::graph::RevisionSpec;
use forge_core::runner::{LockHolder, Migrator, Progress, RunnerError, Session, UpgradeOptions};
use forge_tests::TestDatabase;
use sqlx::Connection;

static FILES: &[(&str, &str)] = &[
    (
        "1_items.sql",
        "-- forge:revision aaaaaaaaaaaa\n-- forge:message items\n-- forge:upgrade\nCREATE TABLE items (id int, name text);\n-- forge:downgrade\nDROP TABLE items;\n",
    ),
    (
        "2_index.sql",
        "-- forge:revision bbbbbbbbbbbb\n-- forge:parents aaaaaaaaaaaa\n-- forge:message index concurrently\n-- forge:transaction off\n-- forge:upgrade\nSELECT pg_sleep(1.5);\nCREATE INDEX CONCURRENTLY items_name ON items (name);\n-- forge:downgrade\nDROP INDEX CONCURRENTLY items_name;\n",
    ),
];

#[tokio::test]
async fn an_app_applies_its_embedded_migrations_on_its_own_pool() {
    let db = TestDatabase::create().await;
    let migrator = Migrator::from_sources(&FILES[..1]).unwrap();
    let applied = migrator.upgrade(&db.pool, "heads").await.unwrap();
    assert_eq!(applied.len(), 1);
    let status = migrator.current(&db.pool).await.unwrap();
    assert_eq!(status.heads, ["aaaaaaaaaaaa"]);
    assert!(status.pending.is_empty() && status.changed.is_empty());
    assert!(migrator
        .upgrade(&db.pool, "heads")
        .await
        .unwrap()
        .is_empty());
    migrator.downgrade(&db.pool, "base").await.unwrap();
    assert!(migrator.current(&db.pool).await.unwrap().heads.is_empty());
}

#[derive(Default, Clone)]
struct Seen(Arc<Mutex<Vec<LockHolder>>>);

impl Progress for Seen {
    fn lock_busy(&mut self, holder: &LockHolder) {
        self.0.lock().unwrap().push(holder.clone());
    }
}

#[tokio::test]
async fn a_busy_lock_names_its_holder_and_times_out_clearly() {
    let db = TestDatabase::create().await;
    let migrator = Migrator::from_sources(&FILES[..1])
        .unwrap()
        .with_lock_timeout(Duration::from_millis(800));
    let mut holder = sqlx::PgConnection::connect_with(
        &(*db.pool.connect_options())
            .clone()
            .application_name("someone_else"),
    )
    .await
    .unwrap();
    let holder_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut holder)
        .await
        .unwrap();
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(migrator.lock_key())
        .execute(&mut holder)
        .await
        .unwrap();

    let mut conn = db.pool.acquire().await.unwrap();
    let mut seen = Seen::default();
    let session = Session::new(&mut conn, (*db.pool.connect_options()).clone());
    let error = migrator
        .upgrade_with(
            session,
            &RevisionSpec::Heads,
            &UpgradeOptions::default(),
            &mut seen,
        )
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, RunnerError::LockTimeout { .. }),
        "{message}"
    );
    assert!(
        message.contains(&format!("held by backend pid {holder_pid} (someone_else)")),
        "{message}"
    );
    assert_eq!(seen.0.lock().unwrap()[0].pid, holder_pid);
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(tables, 0);

    sqlx::query("SELECT pg_advisory_unlock_all()")
        .execute(&mut holder)
        .await
        .unwrap();
    migrator.upgrade(&db.pool, "heads").await.unwrap();
}

#[tokio::test]
async fn create_index_concurrently_does_not_deadlock_with_a_waiting_runner() {
    let db = TestDatabase::create().await;
    let migrator = Migrator::from_sources(FILES)
        .unwrap()
        .with_lock_timeout(Duration::from_secs(30));
    let first = migrator.upgrade(&db.pool, "heads");
    let second = async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        migrator.upgrade(&db.pool, "heads").await
    };
    // The second run starts while the first sleeps before its CREATE INDEX
    // CONCURRENTLY, so it waits on the lock during the index build.
    let both = tokio::time::timeout(Duration::from_secs(25), async {
        tokio::join!(first, second)
    })
    .await;
    let (a, b) = both.expect("the runs deadlocked");
    assert_eq!(a.unwrap().len(), 2);
    assert!(b.unwrap().is_empty());
    let valid: bool = sqlx::query_scalar(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_name'::regclass",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(valid);
}

#[tokio::test]
async fn a_migration_that_needs_transaction_off_is_refused_before_anything_runs() {
    let db = TestDatabase::create().await;
    let text = "-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\nCREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY i ON t (a);\n";
    let migrator = Migrator::from_sources(&[("1.sql", text)]).unwrap();
    let error = migrator.upgrade(&db.pool, "heads").await.unwrap_err();
    assert!(
        matches!(error, RunnerError::NeedsTransactionOff { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("1.sql, line 4"), "{error}");
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(tables, 0);
}

#[tokio::test]
async fn offline_and_online_bookkeeping_use_the_configured_version_table() {
    let db = TestDatabase::create().await;
    let migrator = Migrator::from_sources(&FILES[..1])
        .unwrap()
        .with_version_table("app_version");
    migrator.upgrade(&db.pool, "heads").await.unwrap();
    let rows: Vec<String> = sqlx::query_scalar("SELECT version_num::text FROM app_version")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(rows, ["aaaaaaaaaaaa"]);
    let history: i64 = sqlx::query_scalar("SELECT count(*) FROM app_history")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(history, 1);
    let sql = migrator
        .upgrade_sql(&[], &"base:heads".parse().unwrap())
        .unwrap();
    assert!(sql.contains("INSERT INTO \"app_version\""), "{sql}");
}

#[tokio::test]
async fn an_app_spawns_its_migrations_on_a_task() {
    let db = TestDatabase::create().await;
    let migrator = Migrator::from_sources(&FILES[..1]).unwrap();
    let pool = db.pool.clone();
    let task = tokio::spawn(async move {
        let applied = migrator.upgrade(&pool, "heads").await?;
        let status = migrator.current(&pool).await?;
        Ok::<_, RunnerError>((applied, status, migrator, pool))
    });
    let (applied, status, migrator, pool) = task.await.unwrap().unwrap();
    assert_eq!(applied.len(), 1);
    assert_eq!(status.heads, ["aaaaaaaaaaaa"]);
    let down = tokio::spawn(async move { migrator.downgrade(&pool, "base").await });
    assert_eq!(down.await.unwrap().unwrap().len(), 1);
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'items'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(tables, 0);
}
