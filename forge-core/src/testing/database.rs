//! A database per test: created on the test server, migrated, handed to the
//! test, dropped when the last handle goes (also while a panic unwinds).

use std::future::Future;
use std::sync::Arc;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::embedded::EmbeddedMigrations;
use crate::scratch::ScratchDatabase;

/// The server tests use when neither `FORGE_TEST_DATABASE_URL` nor `DATABASE_URL` is set.
pub const DEFAULT_SERVER_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The test server: `FORGE_TEST_DATABASE_URL`, else `DATABASE_URL`, else
/// [`DEFAULT_SERVER_URL`]. Only its server and credentials matter: each test
/// creates its own database there.
pub fn server_url() -> String {
    ["FORGE_TEST_DATABASE_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|url| !url.is_empty())
        .unwrap_or_else(|| DEFAULT_SERVER_URL.to_string())
}

/// A database of its own for one test. Cheap to clone; the database is dropped
/// with the last clone.
#[derive(Clone)]
pub struct TestDatabase {
    inner: Arc<Inner>,
}

struct Inner {
    // Declared before the database: the pool lets go first.
    pool: PgPool,
    database: ScratchDatabase,
}

impl TestDatabase {
    /// An empty database.
    pub async fn create() -> TestDatabase {
        Self::create_in(crate::settings::DEFAULT_SCHEMA).await
    }

    /// A database with `migrations` applied (to their heads), in the schema
    /// their settings name; the pool's search_path is that schema.
    pub async fn with_migrations(migrations: &EmbeddedMigrations) -> TestDatabase {
        let db = Self::create_in(migrations.settings().schema).await;
        if let Err(e) = migrations.upgrade(db.pool()).await {
            panic!(
                "the migrations fail in the test database {}: {e}",
                db.name()
            );
        }
        db
    }

    async fn create_in(schema: &str) -> TestDatabase {
        let server = server_url();
        let database = ScratchDatabase::create(&server, "forge_test")
            .await
            .unwrap_or_else(|e| {
                panic!("cannot create a test database: {e} (set FORGE_TEST_DATABASE_URL to a PostgreSQL server the tests may create databases on)")
            });
        database
            .ensure_schema(schema)
            .await
            .unwrap_or_else(|e| panic!("cannot prepare the test database: {e}"));
        let options = database
            .connect_options()
            .options([("search_path", schema)]);
        let pool = PgPoolOptions::new()
            .max_connections(5)
            .connect_with(options)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "cannot connect to the test database {}: {e}",
                    database.name()
                )
            });
        TestDatabase {
            inner: Arc::new(Inner { pool, database }),
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    /// The database's name (unique per test).
    pub fn name(&self) -> &str {
        self.inner.database.name()
    }

    /// How to open more connections to it.
    pub fn connect_options(&self) -> PgConnectOptions {
        self.inner.database.connect_options()
    }
}

/// What a `#[forge::test]` function may take: the [`TestDatabase`] or its pool.
pub trait TestArgument {
    fn from_test_database(db: &TestDatabase) -> Self;
}

impl TestArgument for TestDatabase {
    fn from_test_database(db: &TestDatabase) -> Self {
        db.clone()
    }
}

impl TestArgument for PgPool {
    fn from_test_database(db: &TestDatabase) -> Self {
        db.pool().clone()
    }
}

/// Runs an async test on its own runtime with a fresh database (`migrations`
/// applied when given), and drops the database afterwards, also when the test
/// panics. What `#[forge::test]` expands to; usable directly from a `#[test]`:
///
/// ```no_run
/// #[test]
/// fn users_start_empty() {
///     forge_core::testing::run(None, |db| async move {
///         let n: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
///             .fetch_one(db.pool())
///             .await
///             .unwrap();
///         assert_eq!(n, 0);
///     })
/// }
/// ```
pub fn run<F, Fut>(migrations: Option<&EmbeddedMigrations>, test: F) -> Fut::Output
where
    F: FnOnce(TestDatabase) -> Fut,
    Fut: Future,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a test can start a tokio runtime");
    runtime.block_on(async move {
        let db = match migrations {
            Some(migrations) => TestDatabase::with_migrations(migrations).await,
            None => TestDatabase::create().await,
        };
        test(db).await
    })
}
