//! Adopting a database that already exists, against a real schema nobody
//! here wrote (`fixtures/existing_database.sql`: two schemas, extensions,
//! domains, partitions, generated columns, views, triggers, policies...):
//! introspection reads every object exactly or lists it as unmanaged, the
//! DDL `schema inspect --sql` prints recreates the database in an empty one,
//! and a generated migration never touches what Forge does not manage.

use forge::model::{ObjectKind, Schema};
use forge_core::introspect::postgres::introspect_with;
use forge_core::introspect::IntrospectOptions;
use forge_core::render::postgres::schema_ddl;
use forge_core::script::MigrationScript;
use forge_tests::{legacy_cli, Project, Run, TestDatabase};

const EXISTING: &str = include_str!("fixtures/existing_database.sql");

async fn read(db: &TestDatabase) -> Schema {
    let mut conn = forge_core::database::connect(&db.url, Some("public"))
        .await
        .unwrap();
    let options = IntrospectOptions::default().with_schemas(["billing".to_string()]);
    introspect_with(&mut conn, "public", &options)
        .await
        .expect("introspect")
        .schema
}

#[tokio::test]
async fn every_object_is_read_exactly_or_listed_as_unmanaged() {
    let db = TestDatabase::create().await;
    db.execute(EXISTING).await;
    let schema = read(&db).await;
    let tables: Vec<String> = schema
        .tables
        .iter()
        .map(|t| t.qualified_name().to_string())
        .collect();
    assert_eq!(
        tables,
        [
            "accounts",
            "bookings",
            "events",
            "legacy_customer_archive",
            "legacy_customers",
            "session_cache",
            "billing.invoices"
        ],
        "partitions are not tables"
    );
    let unmanaged: Vec<String> = schema.unmanaged.iter().map(|o| o.to_string()).collect();
    assert_eq!(
        unmanaged,
        [
            "enum billing.invoice_state",
            "extension btree_gist",
            "extension citext",
            "domain email_address",
            "domain billing.money_amount",
            "composite type postal_address",
            "range type price_range",
            "sequence invoice_number_seq",
            "sequence billing.ticket_seq",
            "function normalized_email(address text)",
            "function touch_updated_at()",
            "function billing.invoice_count(account bigint)",
            "function billing.mark_paid()",
            "procedure archive_events(IN before date)",
            "view account_invoice_totals",
            "view active_accounts",
            "materialized view billing.monthly_revenue",
            "partition events_2024 of events",
            "partition events_2025 of events",
            "partition events_default of events",
            "inheritance legacy_customer_archive on legacy_customer_archive",
            "index ix_events_2025_payload on events_2025",
            "index billing.ux_monthly_revenue_month on billing.monthly_revenue",
            "exclusion constraint bookings_no_overlap on bookings",
            "trigger accounts_touch on accounts",
            "trigger billing.invoices_mark_paid on billing.invoices",
            "rule legacy_customers_keep on legacy_customers",
            "policy accounts_visible on accounts",
            "row level security accounts on accounts",
            "storage parameters billing.invoices on billing.invoices",
            "storage parameters billing.ix_invoices_open on billing.invoices",
            "unlogged session_cache on session_cache",
            "statistics accounts_status_name on accounts",
        ],
        "a serial's sequence is its column's, a range type's functions are the type's"
    );
    let definition = |name: &str| {
        schema
            .unmanaged
            .iter()
            .find(|o| o.to_string() == name)
            .and_then(|o| o.definition.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        definition("partition events_default of events"),
        "CREATE TABLE events_default PARTITION OF events DEFAULT;"
    );
    assert_eq!(
        definition("policy accounts_visible on accounts"),
        "CREATE POLICY accounts_visible ON accounts AS PERMISSIVE FOR SELECT TO PUBLIC USING (status <> 'suspended'::account_status);"
    );
    let view = schema
        .unmanaged
        .iter()
        .find(|o| o.name == "account_invoice_totals")
        .unwrap();
    let requires: Vec<String> = view.requires.iter().map(|r| r.to_string()).collect();
    assert_eq!(requires, ["table billing.invoices", "view active_accounts"]);

    // What the managed tables say, to the last option.
    let json = |table: &str| {
        let t = schema
            .tables
            .iter()
            .find(|t| t.qualified_name().to_string() == table)
            .unwrap();
        serde_json::to_string(t).unwrap()
    };
    let accounts = json("accounts");
    for expected in [
        r#""identity":"always","sequence":{"name":"accounts_id_seq","start":100,"increment":10}"#,
        r#""type":{"kind":"custom","sql":"email_address"}"#,
        r#""name":"name","type":{"kind":"text"},"nullable":false,"collation":"C""#,
        r#""type":{"kind":"timestamp_tz","precision":3}"#,
        r#""keys":[{"column":"name","opclass":"text_pattern_ops"}]"#,
        r#""keys":[{"column":"created_at","descending":true,"nulls":"last"},{"column":"id"}]"#,
        r#""uniques":[{"name":"accounts_email_key","columns":["email"],"nulls_not_distinct":true}]"#,
    ] {
        assert!(accounts.contains(expected), "{expected} in {accounts}");
    }
    let invoices = json("billing.invoices");
    for expected in [
        r#""identity":"serial""#,
        r#""default":"nextval('invoice_number_seq'::regclass)""#,
        r#""generated":"((total)::numeric * 0.2)""#,
        r#""keys":[{"column":"owner_name","nulls":"first","collation":"C"}]"#,
        r#""include":["state"]"#,
        r#""method":"brin""#,
        r#""method":"gin""#,
        r#""method":"hash""#,
        r#""predicate":"paid_on IS NULL""#,
        r#""deferrable":"initially_deferred","match_type":"full""#,
        r#""name":"invoices_total_positive","expression":"total::numeric > 0::numeric","not_valid":true"#,
    ] {
        assert!(invoices.contains(expected), "{expected} in {invoices}");
    }
    assert!(json("events").contains(r#""partition_by":"RANGE (happened_on)""#));
}

#[tokio::test]
async fn the_sql_recreates_the_database_and_reads_back_identical() {
    let source = TestDatabase::create().await;
    source.execute(EXISTING).await;
    let before = read(&source).await;
    let ddl = schema_ddl(&before);
    let copy = TestDatabase::create().await;
    copy.execute(&ddl).await;
    let after = read(&copy).await;
    assert_eq!(
        serde_json::to_string_pretty(&after).unwrap(),
        serde_json::to_string_pretty(&before).unwrap(),
        "the DDL:\n{ddl}"
    );
    assert!(before
        .unmanaged
        .iter()
        .any(|o| o.kind == ObjectKind::Partition));
}

// --- The CLI of a team that adopts this database (`legacy-forge-cli`). ---

fn legacy(project: &Project, args: &[&str]) -> Run {
    project.cli_of(&legacy_cli(), args)
}

fn inspect_json(project: &Project) -> Schema {
    let run = legacy(project, &["schema", "inspect", "--json"]).success();
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{}", run.stdout))
}

/// A project over a fresh database holding the existing schema.
async fn existing() -> (TestDatabase, Project) {
    let db = TestDatabase::create().await;
    db.execute(EXISTING).await;
    let project = Project::new(&db);
    (db, project)
}

fn assert_no_files(project: &Project) {
    assert_eq!(project.version_files(), Vec::<std::path::PathBuf>::new());
}

#[tokio::test]
async fn inspect_sql_applies_to_an_empty_database_and_reads_back_identical() {
    let (_db, project) = existing().await;
    let before = inspect_json(&project);
    let ddl = legacy(&project, &["schema", "inspect", "--sql"])
        .success()
        .stdout;
    assert!(
        ddl.contains("-- unmanaged view account_invoice_totals\nCREATE VIEW"),
        "the DDL says what it recreates without managing it:\n{ddl}"
    );
    let copy = TestDatabase::create().await;
    copy.execute(&ddl).await;
    let after = inspect_json(&Project::new(&copy));
    assert_eq!(
        serde_json::to_string_pretty(&after).unwrap(),
        serde_json::to_string_pretty(&before).unwrap()
    );
}

#[tokio::test]
async fn the_summary_lists_what_forge_does_not_manage() {
    let (_db, project) = existing().await;
    let out = legacy(&project, &["schema", "inspect"]).success().stdout;
    for expected in [
        "Not managed by Forge (autogenerate never changes them; --sql recreates them):",
        "partition",
        "events_2024 of events",
        "view",
        "account_invoice_totals",
        "uses table billing.invoices, view active_accounts",
        "trigger",
        "billing.invoices_mark_paid on billing.invoices",
        "7 tables, 1 enum types, 33 objects not managed by Forge in schema public",
    ] {
        assert!(out.contains(expected), "missing `{expected}` in:\n{out}");
    }
}

#[tokio::test]
async fn models_that_describe_the_database_need_no_change_and_a_baseline_adopts_it() {
    let (db, project) = existing().await;
    let run = legacy(&project, &["migrate", "revision", "-m", "check"]).success();
    assert_eq!(run.stdout, "No changes detected\n");
    assert_no_files(&project);

    let run = legacy(&project, &["migrate", "baseline"]).success();
    let files = project.version_files();
    assert_eq!(files.len(), 1, "{run:?}");
    let script = MigrationScript::from_file(&files[0]).unwrap();
    assert!(
        run.stdout.starts_with(&format!(
            "Generated migrations/versions/{} (revision {}): 7 tables, 1 enum types, 33 objects not managed by Forge\nStamped: the database is at {} (nothing ran against it).\n",
            files[0].file_name().unwrap().to_string_lossy(),
            script.revision,
            script.revision
        )),
        "{}",
        run.stdout
    );
    assert!(script.parents.is_empty() && script.message == "baseline");
    let current = legacy(&project, &["migrate", "current"]).success().stdout;
    assert!(current.starts_with(&script.revision), "{current}");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM forge_history")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 1, "the stamp is recorded");

    // From now on autogenerate compares the models with it as usual.
    let run = legacy(&project, &["migrate", "revision", "-m", "next"]).success();
    assert_eq!(run.stdout, "No changes detected\n");
    legacy(&project, &["migrate", "check"]).success();

    // The baseline builds the same database from nothing.
    let empty = TestDatabase::create().await;
    let fresh = Project::new(&empty);
    std::fs::copy(
        &files[0],
        fresh.versions_dir().join(files[0].file_name().unwrap()),
    )
    .unwrap();
    legacy(&fresh, &["migrate", "upgrade"]).success();
    assert_eq!(
        serde_json::to_string_pretty(&inspect_json(&fresh)).unwrap(),
        serde_json::to_string_pretty(&inspect_json(&project)).unwrap()
    );
    legacy(&fresh, &["migrate", "check"]).success();
    // ... and refuses to be reverted, leaving the database where it was.
    let run = legacy(&fresh, &["migrate", "downgrade", "base"]).expect_code(2);
    assert!(
        run.stderr
            .contains("is the baseline of a database that existed before Forge"),
        "{}",
        run.stderr
    );
    let current = legacy(&fresh, &["migrate", "current"]).success().stdout;
    assert!(current.starts_with(&script.revision), "{current}");
}

#[tokio::test]
async fn a_baseline_is_the_first_revision_only() {
    let (_db, project) = existing().await;
    legacy(&project, &["migrate", "baseline", "--no-stamp"]).success();
    let run = legacy(&project, &["migrate", "baseline"]).expect_code(2);
    assert!(
        run.stderr.contains("a baseline is the first revision, and")
            && run.stderr.contains("already holds 1 revision"),
        "{}",
        run.stderr
    );
    let empty = TestDatabase::create().await;
    let run = legacy(&Project::new(&empty), &["migrate", "baseline"]).expect_code(2);
    assert!(
        run.stderr.contains("schema public holds nothing to adopt"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn the_guard_stops_dropping_tables_no_forge_migration_created() {
    let (db, project) = existing().await;
    db.execute(
        "CREATE TABLE old_reports (id integer PRIMARY KEY, title text);
         CREATE VIEW old_report_titles AS SELECT title FROM old_reports;",
    )
    .await;
    let run = legacy(&project, &["migrate", "revision", "-m", "tidy"]).expect_code(2);
    assert!(
        run.stderr.starts_with(
            "error: this revision would drop 1 table that no Forge migration created (old_reports); is this the database you meant?"
        ),
        "{}",
        run.stderr
    );
    assert_no_files(&project);

    // Dropping it on purpose still cannot drop what a view uses.
    let run = legacy(
        &project,
        &["migrate", "revision", "-m", "tidy", "--drop-unmanaged"],
    )
    .expect_code(2);
    assert!(
        run.stderr.starts_with(
            "error: this revision drops table old_reports, which 1 object Forge does not manage uses (view old_report_titles); PostgreSQL refuses that"
        ),
        "{}",
        run.stderr
    );
    assert_no_files(&project);

    // Excluded, it is left alone, by revision, check, inspect and verify.
    project.write_config("[autogenerate]\nexclude = [\"old_*\"]\n");
    let run = legacy(&project, &["migrate", "revision", "-m", "tidy"]).success();
    assert_eq!(run.stdout, "No changes detected\n");
    legacy(&project, &["migrate", "check"]).success();
    let inspected = inspect_json(&project);
    assert!(inspected.table("old_reports").is_none());
    assert!(
        !inspected
            .unmanaged
            .iter()
            .any(|o| o.name == "old_report_titles"),
        "a view of an excluded table is left out with it"
    );
    assert_eq!(drift(&project), "OK");
    project.write_config("");
    assert_eq!(drift(&project), "FAIL");
}

/// The status of `db verify`'s drift check.
fn drift(project: &Project) -> String {
    let run = legacy(project, &["db", "verify", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "drift")
        .map(|c| c["status"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_table_a_forge_migration_created_is_dropped_without_a_word() {
    let (_db, project) = existing().await;
    legacy(
        &project,
        &["migrate", "revision", "-m", "scratch", "--no-autogenerate"],
    )
    .success();
    let file = &project.version_files()[0];
    let text = std::fs::read_to_string(file).unwrap().replace(
        "-- forge:upgrade\n",
        "-- forge:upgrade\nCREATE TABLE scratch_notes (id integer);\n",
    );
    std::fs::write(file, text).unwrap();
    legacy(&project, &["migrate", "upgrade"]).success();
    let run = legacy(&project, &["migrate", "revision", "-m", "drop scratch"]).success();
    assert!(
        run.stdout.contains("  - table scratch_notes"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn dropping_or_retyping_a_column_a_view_uses_is_stopped_at_revision_time() {
    let (db, project) = existing().await;
    db.execute(
        "ALTER TABLE accounts ADD COLUMN nickname text;
         CREATE VIEW nicknames AS SELECT nickname FROM accounts;
         ALTER TABLE bookings ALTER COLUMN room TYPE bigint;
         CREATE VIEW rooms AS SELECT DISTINCT room FROM bookings;
         CREATE POLICY own_room ON bookings USING (room > 0);",
    )
    .await;
    let run = legacy(&project, &["migrate", "revision", "-m", "fix"]).expect_code(2);
    assert!(
        run.stderr.starts_with(
            "error: this revision drops column accounts.nickname, which 1 object Forge does not manage uses (view nicknames); \
             it also changes the type of column bookings.room, which 2 objects Forge does not manage use (view rooms, policy own_room on bookings); \
             PostgreSQL refuses that while they exist"
        ),
        "{}",
        run.stderr
    );
    assert_no_files(&project);
}

#[tokio::test]
async fn an_enum_type_an_excluded_table_or_a_domain_uses_is_not_dropped() {
    let (db, project) = existing().await;
    db.execute(
        "CREATE TYPE old_status AS ENUM ('open', 'closed');
         CREATE TABLE old_tickets (status old_status, history old_status[]);
         CREATE DOMAIN closed_status AS old_status CHECK (VALUE = 'closed');",
    )
    .await;
    project.write_config("[autogenerate]\nexclude = [\"table:old_*\"]\n");
    let run = legacy(&project, &["migrate", "revision", "-m", "tidy"]).expect_code(2);
    assert!(
        run.stderr.starts_with(
            "error: this revision drops enum type old_status, which 3 objects Forge does not manage use \
             (table old_tickets (column history), table old_tickets (column status), domain closed_status)"
        ),
        "{}",
        run.stderr
    );
    assert_no_files(&project);
    // A pattern of no kind excludes the type too: it is left be.
    project.write_config("[autogenerate]\nexclude = [\"old_*\"]\n");
    let run = legacy(&project, &["migrate", "revision", "-m", "tidy"]).success();
    assert_eq!(run.stdout, "No changes detected\n");
}

#[tokio::test]
async fn inspect_rust_prints_models_that_describe_the_database_exactly() {
    let (_db, project) = existing().await;
    let models = legacy(&project, &["schema", "inspect", "--rust"])
        .success()
        .stdout;
    // `legacy-forge-cli` is built from exactly these models, and finds no
    // change against the database (see the baseline test).
    assert_eq!(
        models,
        include_str!("support/legacy_app/entities.rs"),
        "support/legacy_app/entities.rs is what `schema inspect --rust` prints"
    );
}
