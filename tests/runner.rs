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
        .bind(migrator.lock_key("public"))
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

#[tokio::test]
async fn a_statement_that_releases_the_lock_stops_the_run_before_the_next_statement() {
    let db = TestDatabase::create().await;
    let migrator = Migrator::from_sources(&[
        ("1.sql", "-- forge:revision aaaaaaaaaaaa\n-- forge:transaction off\n-- forge:upgrade\nCREATE TABLE a (id int);\nSELECT pg_advisory_unlock_all();\nCREATE TABLE b (id int);\n"),
        ("2.sql", "-- forge:revision bbbbbbbbbbbb\n-- forge:parents aaaaaaaaaaaa\n-- forge:upgrade\nCREATE TABLE c (id int);\n"),
    ])
    .unwrap();
    let error = migrator.upgrade(&db.pool, "heads").await.unwrap_err();
    assert!(matches!(error, RunnerError::LockNotHeld { .. }), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("revision aaaaaaaaaaaa (1.sql, line 6) was stopped before that statement: the run no longer holds the migration lock"),
        "{error}"
    );
    let exists = |table: &'static str| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_scalar::<_, bool>("SELECT to_regclass($1) IS NOT NULL")
                .bind(table)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert!(exists("a").await && !exists("b").await && !exists("c").await);
    assert!(migrator.current(&db.pool).await.unwrap().heads.is_empty());
}

#[tokio::test]
async fn a_migration_runs_only_while_its_transaction_holds_the_lock() {
    let db = TestDatabase::create().await;
    let migrator = Migrator::from_sources(&FILES[..1]).unwrap();
    // What each migration's first statement does: it holds the lock for its
    // transaction, and fails while another session holds it.
    let mut conn = db.pool.acquire().await.unwrap();
    let key = migrator.lock_key("public");
    let lock = forge_core::runner::MigrationLock::acquire(
        &mut conn,
        key,
        Duration::from_secs(1),
        &mut |_| {},
    )
    .await
    .unwrap();
    let mut other = db.pool.acquire().await.unwrap();
    let proof = format!("BEGIN; {}; COMMIT", lock.held_for_transaction());
    let refused = sqlx::raw_sql(&proof)
        .execute(&mut *other)
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("forge.migration_lock_not_held"),
        "{refused}"
    );
    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *other).await;
    sqlx::raw_sql(&proof).execute(&mut *conn).await.unwrap();
    assert!(lock.release(&mut conn).await);
}

#[tokio::test]
async fn a_run_dropped_midway_leaves_no_lock_and_no_half_migration_in_the_pool() {
    let db = TestDatabase::create().await;
    let migrator = Migrator::from_sources(&[(
        "1.sql",
        "-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\nCREATE TABLE a (id int);\nSELECT pg_sleep(30);\n",
    )])
    .unwrap()
    .with_lock_timeout(Duration::from_secs(10));
    let run = tokio::spawn({
        let pool = db.pool.clone();
        let migrator = migrator.clone();
        async move { migrator.upgrade(&pool, "heads").await }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let sleeping: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(30)%' AND state = 'active' AND pid <> pg_backend_pid()")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        if sleeping > 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the migration never started"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // The app gives up on it (a startup timeout, a shutdown).
    run.abort();
    assert!(run.await.unwrap_err().is_cancelled());
    // Its connection was closed, not handed back to the pool with the lock.
    let fixed = Migrator::from_sources(&[(
        "1.sql",
        "-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\nCREATE TABLE a (id int);\n",
    )])
    .unwrap()
    .with_lock_timeout(Duration::from_secs(10));
    let started = std::time::Instant::now();
    assert_eq!(fixed.upgrade(&db.pool, "heads").await.unwrap().len(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    for _ in 0..4 {
        let mut conn = db.pool.acquire().await.unwrap();
        let held: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(held, 0);
    }
}

#[tokio::test]
async fn the_session_settings_a_run_needs_are_restored_for_the_app() {
    let db = TestDatabase::create().await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .after_connect(|conn, _| {
            Box::pin(async move {
                sqlx::query("SET statement_timeout = '42s'")
                    .execute(conn)
                    .await
                    .map(|_| ())
            })
        })
        .connect(&db.url)
        .await
        .unwrap();
    let migrator = Migrator::from_sources(&FILES[..1])
        .unwrap()
        .with_statement_timeout(Some(Duration::from_secs(5)));
    migrator.upgrade(&pool, "heads").await.unwrap();
    let (timeout, check): (String, String) = sqlx::query_as(
        "SELECT current_setting('statement_timeout'), current_setting('client_connection_check_interval')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((timeout.as_str(), check.as_str()), ("42s", "0"));
}

#[tokio::test]
async fn a_history_from_before_its_index_is_read_and_indexed_by_the_next_run() {
    let db = TestDatabase::create().await;
    let migrator = Migrator::from_sources(FILES).unwrap();
    migrator.upgrade(&db.pool, "aaaaaaaaaaaa").await.unwrap();
    db.execute("DROP INDEX forge_history_rev").await;
    let status = migrator.current(&db.pool).await.unwrap();
    assert_eq!(status.heads, ["aaaaaaaaaaaa"]);
    assert!(status.changed.is_empty());
    // Even a run with nothing to apply adds it.
    Migrator::from_sources(&FILES[..1])
        .unwrap()
        .upgrade(&db.pool, "heads")
        .await
        .unwrap();
    let indexed: bool = sqlx::query_scalar("SELECT to_regclass('forge_history_rev') IS NOT NULL")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(indexed);
    // With the index, the checksums read the same.
    db.execute("UPDATE forge_history SET checksum = 'edited' WHERE revision = 'aaaaaaaaaaaa'")
        .await;
    let status = migrator.current(&db.pool).await.unwrap();
    assert_eq!(status.changed.len(), 1);
    assert_eq!(status.changed[0].revision, "aaaaaaaaaaaa");
}
