//! `db verify` (and its JSON) against real roles, privileges and migration
//! states created in the test database: the OK, WARN, FAIL and SKIP paths.

use forge_tests::{Project, Run, TestDatabase};

/// Roles are cluster-wide: unique names per test, dropped after the database.
struct Roles {
    owner: String,
    app: String,
    reader: String,
}

impl Roles {
    fn new(db: &TestDatabase) -> Roles {
        let suffix = &db.name[db.name.len() - 8..];
        Roles {
            owner: format!("v_owner_{suffix}"),
            app: format!("v_app_{suffix}"),
            reader: format!("v_reader_{suffix}"),
        }
    }

    fn config(&self) -> String {
        format!(
            "[verify]\nschema_owner = \"{}\"\napp_user = \"{}\"\nreadonly_user = \"{}\"\n",
            self.owner, self.app, self.reader
        )
    }

    async fn drop_all(self, db: TestDatabase) {
        drop(db);
        let admin = sqlx::PgPool::connect(&forge_tests::postgres::server_url())
            .await
            .unwrap();
        for role in [&self.owner, &self.app, &self.reader] {
            let _ = sqlx::query(&format!("DROP ROLE IF EXISTS {role}"))
                .execute(&admin)
                .await;
        }
    }
}

fn plain_url(db: &TestDatabase) -> &str {
    db.url.split('?').next().unwrap()
}

fn verify(project: &Project, args: &[&str]) -> Run {
    let mut full = vec!["db", "verify"];
    full.extend_from_slice(args);
    project.cli(&full)
}

fn line<'a>(run: &'a Run, name: &str) -> &'a str {
    run.stdout
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(name))
        .unwrap_or_else(|| panic!("no `{name}` line in:\n{}", run.stdout))
}

fn migration(revision: &str, parents: &str, upgrade: &str) -> String {
    let parents = if parents.is_empty() {
        String::new()
    } else {
        format!("-- forge:parents    {parents}\n")
    };
    format!("-- forge:revision   {revision}\n{parents}-- forge:message    m {revision}\n-- forge:created    2025-01-01T00:00:00Z\n\n-- forge:upgrade\n{upgrade}\n\n-- forge:downgrade\nSELECT 1;\n")
}

#[tokio::test]
async fn roles_and_privileges_as_configured_are_ok() {
    let db = TestDatabase::create().await;
    let roles = Roles::new(&db);
    let Roles { owner, app, reader } = &roles;
    db.execute(&format!(
        "CREATE ROLE {owner} NOLOGIN; CREATE ROLE {app} LOGIN; CREATE ROLE {reader} LOGIN;
         CREATE SCHEMA app AUTHORIZATION {owner};
         CREATE TABLE app.items (id integer); ALTER TABLE app.items OWNER TO {owner};
         GRANT USAGE, CREATE ON SCHEMA app TO {app};
         GRANT USAGE ON SCHEMA app TO {reader}; GRANT SELECT ON ALL TABLES IN SCHEMA app TO {reader};"
    ))
    .await;
    let project = Project::new(&db);
    project.write_config(&format!("schema = \"app\"\n{}", roles.config()));
    let run = verify(&project, &[]);
    assert!(line(&run, "connection").starts_with("OK"), "{}", run.stdout);
    assert!(
        line(&run, "schema").starts_with("OK") && line(&run, "schema").contains(owner.as_str()),
        "{}",
        run.stdout
    );
    assert!(
        line(&run, "schema_owner").starts_with("OK"),
        "{}",
        run.stdout
    );
    assert!(line(&run, "app_user").starts_with("OK"), "{}", run.stdout);
    assert!(
        line(&run, "readonly_user").starts_with("OK"),
        "{}",
        run.stdout
    );
    assert!(line(&run, "migrations").starts_with("OK"), "{}", run.stdout);
    roles.drop_all(db).await;
}

#[tokio::test]
async fn risky_but_working_settings_are_warnings() {
    let db = TestDatabase::create().await;
    let roles = Roles::new(&db);
    let Roles { owner, app, reader } = &roles;
    db.execute(&format!(
        "CREATE ROLE {owner} LOGIN; CREATE ROLE {app} LOGIN; CREATE ROLE {reader} LOGIN;
         ALTER SCHEMA public OWNER TO {owner};
         GRANT USAGE, CREATE ON SCHEMA public TO {app};
         CREATE TABLE items (id integer);
         GRANT USAGE ON SCHEMA public TO {reader}; GRANT SELECT, INSERT ON items TO {reader};"
    ))
    .await;
    let project = Project::with_url(&format!("{}?sslmode=disable", plain_url(&db)));
    project.write_config(&roles.config());
    let run = verify(&project, &[]);
    // A loopback session never crosses a network: TLS is not needed (issue 14).
    assert!(
        line(&run, "tls").starts_with("OK") && line(&run, "tls").contains("stays on this machine"),
        "{}",
        run.stdout
    );
    assert!(
        line(&run, "schema_owner").starts_with("WARN")
            && line(&run, "schema_owner").contains("NOLOGIN"),
        "{}",
        run.stdout
    );
    assert!(
        line(&run, "readonly_user").starts_with("WARN")
            && line(&run, "readonly_user").contains("items"),
        "{}",
        run.stdout
    );
    assert!(line(&run, "app_user").starts_with("OK"), "{}", run.stdout);
    roles.drop_all(db).await;
}

#[tokio::test]
async fn missing_roles_and_privileges_fail_with_exit_1() {
    let db = TestDatabase::create().await;
    let roles = Roles::new(&db);
    let Roles { app, reader, .. } = &roles;
    // No owner role at all; the app user lacks CREATE; the reader cannot read `secret`.
    db.execute(&format!(
        "CREATE ROLE {app} LOGIN; CREATE ROLE {reader} LOGIN;
         GRANT USAGE ON SCHEMA public TO {app};
         CREATE TABLE items (id integer); CREATE TABLE secret (id integer);
         GRANT USAGE ON SCHEMA public TO {reader}; GRANT SELECT ON items TO {reader};"
    ))
    .await;
    let project = Project::new(&db);
    project.write_config(&roles.config());
    let run = verify(&project, &[]).expect_code(1);
    assert!(
        line(&run, "schema").starts_with("FAIL") && line(&run, "schema").contains("expected"),
        "{}",
        run.stdout
    );
    assert!(
        line(&run, "schema_owner").starts_with("FAIL")
            && line(&run, "schema_owner").contains("does not exist"),
        "{}",
        run.stdout
    );
    assert!(
        line(&run, "app_user").starts_with("FAIL")
            && line(&run, "app_user").contains("lacks CREATE"),
        "{}",
        run.stdout
    );
    assert!(
        line(&run, "readonly_user").starts_with("FAIL")
            && line(&run, "readonly_user").contains("secret"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.lines().last().unwrap().contains("FAIL"),
        "{}",
        run.stdout
    );
    roles.drop_all(db).await;
}

#[tokio::test]
async fn role_checks_are_skipped_when_none_are_configured() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    let run = verify(&project, &[]);
    assert!(
        line(&run, "roles").starts_with("SKIP") && line(&run, "roles").contains("[verify]"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn the_migration_state_is_checked_pending_edited_and_unknown() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    let first = project.versions_dir().join("20250101_0000_a.sql");
    std::fs::write(
        &first,
        migration("aaaaaaaaaaa1", "", "CREATE TABLE widgets (id integer);"),
    )
    .unwrap();
    std::fs::write(
        project.versions_dir().join("20250101_0001_b.sql"),
        migration(
            "bbbbbbbbbbb2",
            "aaaaaaaaaaa1",
            "CREATE TABLE gadgets (id integer);",
        ),
    )
    .unwrap();
    let run = verify(&project, &[]);
    assert!(
        line(&run, "migrations").starts_with("WARN")
            && line(&run, "migrations").contains("2 of 2 pending"),
        "{}",
        run.stdout
    );

    project
        .cli(&["migrate", "upgrade", "aaaaaaaaaaa1"])
        .success();
    let run = verify(&project, &[]);
    assert!(
        line(&run, "migrations").contains("1 of 2 pending"),
        "{}",
        run.stdout
    );
    assert!(line(&run, "checksums").starts_with("OK"), "{}", run.stdout);

    std::fs::write(
        &first,
        migration("aaaaaaaaaaa1", "", "CREATE TABLE widgets (id bigint);"),
    )
    .unwrap();
    let run = verify(&project, &[]).expect_code(1);
    assert!(
        line(&run, "checksums").starts_with("FAIL")
            && line(&run, "checksums").contains("aaaaaaaaaaa1"),
        "{}",
        run.stdout
    );

    db.execute("UPDATE forge_version SET version_num = 'fffffffffff9'")
        .await;
    let run = verify(&project, &[]).expect_code(1);
    assert!(
        line(&run, "migrations").starts_with("FAIL")
            && line(&run, "migrations").contains("fffffffffff9"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn a_database_that_matches_the_models_at_head_verifies_clean_with_exit_0() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    project
        .cli(&["migrate", "revision", "initial schema", "--autogenerate"])
        .success();
    project.cli(&["migrate", "upgrade"]).success();
    let run = verify(&project, &[]).success();
    assert!(line(&run, "drift").starts_with("OK"), "{}", run.stdout);
    assert!(line(&run, "migrations").starts_with("OK"), "{}", run.stdout);
    // A table changed by hand is drift at head: FAIL.
    let table: String = sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'forge_%' ORDER BY 1 LIMIT 1")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    db.execute(&format!(
        "ALTER TABLE \"{table}\" ADD COLUMN hand_made integer"
    ))
    .await;
    let run = verify(&project, &[]).expect_code(1);
    assert!(
        line(&run, "drift").starts_with("FAIL") && line(&run, "drift").contains("hand_made"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn json_output_has_every_check_and_the_summary() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    let run = verify(&project, &["--json"]);
    let json: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    let names: Vec<&str> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for expected in [
        "connection",
        "tls",
        "schema",
        "roles",
        "migrations",
        "indexes",
        "drift",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    assert_eq!(json["transport"], "direct");
    assert_eq!(json["ok"], serde_json::Value::Bool(run.code == 0));
    assert!(json["summary"]["ok"].as_u64().unwrap() >= 3, "{json}");
}

#[tokio::test]
async fn an_unreachable_database_is_a_failed_connection_and_skips_the_rest() {
    let project = Project::with_url("postgres://postgres:hunter2hunter@127.0.0.1:1/nowhere");
    let run = verify(&project, &[]).expect_code(1);
    assert!(
        line(&run, "connection").starts_with("FAIL"),
        "{}",
        run.stdout
    );
    assert!(line(&run, "drift").starts_with("SKIP"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("hunter2hunter") && !run.stderr.contains("hunter2hunter"),
        "{run:?}"
    );
}
