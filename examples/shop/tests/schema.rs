//! The shop's own schema checks, as any app using Forge writes them: the
//! models against the migration files (with and without a database), every
//! downgrade, and a test on a database of its own.

use forge::sqlx::{self, PgPool};
use forge::testing;
use shop::MIGRATIONS;

#[test]
fn the_models_form_a_valid_schema() {
    testing::assert_models_valid();
}

/// No database needed: a model changed without a new revision fails here.
#[test]
fn every_model_change_has_a_revision() {
    testing::assert_models_match_snapshot(&MIGRATIONS);
}

#[test]
fn the_migrations_build_exactly_the_models() {
    testing::assert_models_match_migrations(&MIGRATIONS);
}

#[test]
fn every_downgrade_restores_the_schema_it_started_from() {
    testing::assert_reversible(&MIGRATIONS);
}

#[forge::test(migrations = MIGRATIONS)]
async fn a_user_places_an_order(pool: PgPool) {
    let user: forge::uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO users (id, email, display_name, is_active) VALUES (gen_random_uuid(), 'ada@example.com', 'Ada', true) RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO orders (id, user_id, number, total_cents) VALUES (gen_random_uuid(), $1, 1, 4200)")
        .bind(user)
        .execute(&pool)
        .await
        .unwrap();
    let status: String = sqlx::query_scalar("SELECT status::text FROM orders WHERE user_id = $1")
        .bind(user)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "pending");
}

#[forge::test(migrations = MIGRATIONS)]
async fn an_order_number_starts_at_one(pool: PgPool) {
    let refused = sqlx::query("INSERT INTO orders (id, user_id, number, total_cents) VALUES (gen_random_uuid(), gen_random_uuid(), 0, 0)")
        .execute(&pool)
        .await
        .unwrap_err();
    let code = refused.as_database_error().and_then(|e| e.code()).unwrap();
    // The CHECK (number >= 1) fires before the foreign key.
    assert_eq!(code, "23514", "{refused}");
}
