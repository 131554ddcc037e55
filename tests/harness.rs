//! The test harness itself: every test gets a fresh database of its own, and
//! it disappears afterwards.

use forge_tests::TestDatabase;

#[tokio::test]
async fn each_test_gets_a_fresh_empty_database_of_its_own() {
    let a = TestDatabase::create().await;
    let b = TestDatabase::create().await;
    assert_ne!(a.name, b.name);
    a.execute("CREATE TABLE only_in_a (id integer)").await;
    let tables_in_b: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            .fetch_one(&b.pool)
            .await
            .unwrap();
    assert_eq!(
        tables_in_b, 0,
        "a table created in one test database leaked into another"
    );
}

#[tokio::test]
async fn a_test_database_is_dropped_afterwards() {
    let db = TestDatabase::create().await;
    let name = db.name.clone();
    let admin = sqlx::PgPool::connect(&forge_tests::postgres::server_url())
        .await
        .unwrap();
    drop(db);
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&admin)
            .await
            .unwrap();
    assert!(!exists, "database {name} survived its test");
}
