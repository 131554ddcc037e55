//! `EntityBase` does what its documentation says, in a database built by the
//! example app's committed migrations: the server fills `id` and both
//! timestamps on insert, and `updated_at` changes only when an UPDATE sets it.

use forge_tests::{Project, TestDatabase};

#[tokio::test]
async fn the_server_fills_the_key_and_timestamps_and_updated_at_moves_only_when_set() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    let versions = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/versions");
    project.write_config(&format!(
        "[migrations]\ndir = \"{}\"\n",
        std::fs::canonicalize(versions).unwrap().display()
    ));
    project.cli(&["migrate", "upgrade"]).success();

    let (id, created, updated): (String, String, String) = sqlx::query_as(
        "INSERT INTO categories (name) VALUES ('tools') RETURNING id::text, created_at::text, updated_at::text",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(id.len(), 36, "a server-made uuid: {id}");
    assert_eq!(created, updated);

    let unchanged: String = sqlx::query_scalar(
        "UPDATE categories SET name = 'hardware' WHERE id = $1::uuid RETURNING updated_at::text",
    )
    .bind(&id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        unchanged, updated,
        "no trigger: an UPDATE leaves updated_at alone"
    );

    let moved: String = sqlx::query_scalar(
        "UPDATE categories SET name = 'tools', updated_at = now() + interval '1 second' WHERE id = $1::uuid RETURNING updated_at::text",
    )
    .bind(&id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_ne!(moved, updated);
}
