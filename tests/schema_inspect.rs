//! `schema inspect`: the live database's schema as Forge reads it, as JSON, as
//! DDL that recreates it, or as a summary; and one clear sentence (exit 2, no
//! password) when the database cannot be read.

use forge::model::Schema;
use forge_tests::{Project, TestDatabase};

const DDL: &str = r#"
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
ALTER TYPE mood ADD VALUE 'meh' AFTER 'sad';
CREATE TABLE users (
    id serial PRIMARY KEY,
    email varchar(255) NOT NULL CONSTRAINT users_email_key UNIQUE,
    name text,
    code char(3),
    status varchar(20) NOT NULL DEFAULT 'active',
    active boolean NOT NULL DEFAULT TRUE,
    score integer DEFAULT -1,
    amount numeric(10,2) DEFAULT 0,
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    tags text[],
    feeling mood DEFAULT 'ok',
    feelings mood[],
    address inet,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at timestamp
);
COMMENT ON TABLE users IS 'People who log in';
COMMENT ON COLUMN users.email IS 'Login; it''s unique';
CREATE INDEX ix_users_live_email ON users (email) WHERE deleted_at IS NULL;
CREATE INDEX ix_users_lower_email ON users (lower(email));
CREATE INDEX ix_users_recent ON users (created_at DESC, id);
CREATE UNIQUE INDEX ux_users_name ON users (name);
CREATE INDEX ix_users_status_hash ON users USING hash (status);
CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    backup_id integer REFERENCES users (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    region text NOT NULL,
    code text NOT NULL,
    balance numeric(12,2) NOT NULL DEFAULT 0 CHECK (balance >= 0),
    CONSTRAINT accounts_region_code_key UNIQUE (region, code),
    CONSTRAINT accounts_code_shape CHECK (char_length(code) BETWEEN 2 AND 8 AND region <> '')
);
CREATE TABLE memberships (
    account_id bigint NOT NULL REFERENCES accounts (id) DEFERRABLE,
    user_id integer NOT NULL REFERENCES users (id),
    account_code text NOT NULL,
    account_region text NOT NULL,
    PRIMARY KEY (user_id, account_id),
    FOREIGN KEY (account_code, account_region) REFERENCES accounts (code, region) ON UPDATE CASCADE
);
CREATE VIEW active_users AS SELECT id FROM users WHERE deleted_at IS NULL;
CREATE TABLE forge_version (version_num varchar(32) PRIMARY KEY);
"#;

fn inspect_json(project: &Project) -> Schema {
    let run = project.cli(&["schema", "inspect", "--json"]).success();
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("inspect --json is not a schema model: {e}\n{}", run.stdout))
}

#[tokio::test]
async fn inspect_json_prints_the_introspected_model() {
    let db = TestDatabase::create().await;
    db.execute(DDL).await;
    let project = Project::new(&db);
    let printed = inspect_json(&project);
    let mut connection = forge_core::database::connect(&db.url, Some("public"))
        .await
        .unwrap();
    let read = forge_core::introspect::postgres::introspect(&mut connection, "public")
        .await
        .unwrap();
    assert_eq!(printed, read);
    let names: Vec<&str> = printed.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["accounts", "memberships", "users"],
        "no view, no version table"
    );
}

#[tokio::test]
async fn inspect_reads_the_configured_schema_and_ignores_the_configured_version_table() {
    let db = TestDatabase::create().await;
    db.execute(
        "CREATE SCHEMA app; CREATE TABLE app.orders (id integer PRIMARY KEY); \
         CREATE TABLE app.my_versions (version_num text PRIMARY KEY); CREATE TABLE public.elsewhere (id integer);",
    )
    .await;
    let project = Project::new(&db);
    project.write_config("schema = \"app\"\n[migrations]\nversion_table = \"my_versions\"\n");
    let printed = inspect_json(&project);
    let names: Vec<&str> = printed.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["orders"]);
}

#[tokio::test]
async fn the_summary_lists_tables_columns_and_constraints() {
    let db = TestDatabase::create().await;
    db.execute(DDL).await;
    let project = Project::new(&db);
    let run = project.cli(&["schema", "inspect"]).success();
    let out = &run.stdout;
    for expected in [
        "users  -- People who log in",
        "varchar(255)",
        // `serial` is told apart from an identity, with the sequence behind each.
        "SERIAL sequence users_id_seq",
        "GENERATED ALWAYS AS IDENTITY sequence accounts_id_seq",
        // Defaults as PostgreSQL prints them.
        "DEFAULT 'active'::character varying",
        "primary key memberships_pkey (user_id, account_id)",
        "unique users_email_key (email)",
        "index ix_users_recent (created_at DESC, id)",
        "index ix_users_status_hash USING hash (status)",
        "index ix_users_live_email (email) WHERE deleted_at IS NULL",
        "foreign key accounts_owner_id_fkey (owner_id) -> users (id) ON DELETE CASCADE ON UPDATE RESTRICT",
        "check accounts_balance_check (balance >= 0::numeric)",
        "enum mood (sad, meh, ok, happy)",
        // The view is listed, not read as a table nor left out.
        "Not managed by Forge (autogenerate never changes them; --sql recreates them):",
        "3 tables, 1 enum types, 1 object not managed by Forge in schema public",
    ] {
        assert!(out.contains(expected), "missing `{expected}` in:\n{out}");
    }
    let email = out
        .lines()
        .find(|l| l.trim_start().starts_with("email "))
        .expect("an email line");
    assert!(email.contains("NOT NULL"), "{email}");
}

/// What the model reads beyond the basics shows in the summary too: nothing
/// the database holds is dropped without a word.
#[tokio::test]
async fn the_summary_shows_collations_generation_sequences_and_every_index_option() {
    let db = TestDatabase::create().await;
    db.execute(
        "CREATE TABLE parents (id integer PRIMARY KEY, code text UNIQUE NULLS NOT DISTINCT,
             UNIQUE (id, code));
         CREATE TABLE lines (
             id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 5) PRIMARY KEY,
             legacy bigserial,
             code text COLLATE \"C\",
             qty integer NOT NULL,
             total integer GENERATED ALWAYS AS (qty * 2) STORED,
             parent_id integer,
             parent_code text
         );
         ALTER TABLE lines ADD CONSTRAINT lines_parent FOREIGN KEY (parent_id, parent_code)
             REFERENCES parents (id, code) MATCH FULL NOT VALID;
         ALTER TABLE lines ADD CONSTRAINT lines_qty CHECK (qty > 0) NOT VALID;
         CREATE UNIQUE INDEX ux_lines_code ON lines (code text_pattern_ops NULLS FIRST) INCLUDE (qty) NULLS NOT DISTINCT;",
    )
    .await;
    let project = Project::new(&db);
    let out = project.cli(&["schema", "inspect"]).success().stdout;
    for expected in [
        "GENERATED ALWAYS AS IDENTITY (START 100 INCREMENT 5) sequence lines_id_seq",
        "SERIAL sequence lines_legacy_seq",
        "COLLATE C",
        "GENERATED ALWAYS AS ((qty * 2)) STORED",
        "unique parents_code_key NULLS NOT DISTINCT (code)",
        "foreign key lines_parent (parent_id, parent_code) -> parents (id, code) MATCH FULL NOT VALID",
        "check lines_qty (qty > 0) NOT VALID",
        "unique index ux_lines_code (code text_pattern_ops NULLS FIRST) INCLUDE (qty) NULLS NOT DISTINCT",
    ] {
        assert!(out.contains(expected), "missing `{expected}` in:\n{out}");
    }
}

#[tokio::test]
async fn the_sql_output_recreates_a_schema_that_reads_back_equal() {
    let source = TestDatabase::create().await;
    source.execute(DDL).await;
    let project = Project::new(&source);
    let before = inspect_json(&project);
    let ddl = project
        .cli(&["schema", "inspect", "--sql"])
        .success()
        .stdout;

    let copy = TestDatabase::create().await;
    copy.execute(&ddl).await;
    let after = inspect_json(&Project::new(&copy));
    assert_eq!(after, before, "the DDL printed by inspect --sql:\n{ddl}");
}

fn assert_one_sentence_exit_2(run: forge_tests::Run, expected: &str) {
    let run = run.expect_code(2);
    assert!(run.stdout.is_empty(), "nothing on stdout: {}", run.stdout);
    let first = run.stderr.lines().next().unwrap_or("");
    assert!(
        first.starts_with("error: ") && first.contains(expected),
        "expected `{expected}` in:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.lines().count() <= 2,
        "one sentence and at most a hint:\n{}",
        run.stderr
    );
}

#[test]
fn an_unreachable_server_is_one_sentence_without_the_password() {
    let port = {
        // A port nothing listens on: bind one, then free it.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let project = Project::with_url(&format!(
        "postgres://app:s3cr3t-pa55@127.0.0.1:{port}/appdb"
    ));
    let run = project.cli(&["schema", "inspect", "--json"]);
    assert!(
        !run.stderr.contains("s3cr3t-pa55") && !run.stdout.contains("s3cr3t-pa55"),
        "{}",
        run.stderr
    );
    assert_one_sentence_exit_2(run, "cannot reach the database server");
}

#[tokio::test]
async fn wrong_credentials_a_missing_database_and_a_missing_schema_are_clear_errors() {
    let db = TestDatabase::create().await;
    let options: sqlx::postgres::PgConnectOptions = db.url.parse().unwrap();
    let server = format!("{}:{}", options.get_host(), options.get_port());

    let project = Project::with_url(&format!(
        "postgres://no_such_role:hunter2-x@{server}/{}",
        db.name
    ));
    let run = project.cli(&["schema", "inspect"]);
    assert!(!run.stderr.contains("hunter2-x"), "{}", run.stderr);
    assert_one_sentence_exit_2(run, "refused the credentials");

    let project = Project::with_url(&format!(
        "postgres://postgres:hunter2-x@{server}/forge_no_such_database"
    ));
    let run = project.cli(&["schema", "inspect"]);
    assert!(!run.stderr.contains("hunter2-x"), "{}", run.stderr);
    assert_one_sentence_exit_2(run, "database forge_no_such_database does not exist");

    let project = Project::new(&db);
    project.write_config("schema = \"nowhere\"\n");
    assert_one_sentence_exit_2(
        project.cli(&["schema", "inspect", "--sql"]),
        "schema `nowhere` does not exist",
    );
}

#[test]
fn no_configured_database_is_an_error_that_says_where_to_set_one() {
    let project = Project::with_url("");
    std::fs::write(project.path().join("forge.toml"), "").unwrap();
    assert_one_sentence_exit_2(
        project.cli(&["schema", "inspect"]),
        "no database is configured",
    );
}
