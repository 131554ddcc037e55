//! `api-forge-cli migrate ...` end to end against a real PostgreSQL: chains,
//! branches and merges, revision specs and their errors, offline SQL through
//! psql, failures, concurrency, kill -9, edited files, stamp, bad input.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use forge_tests::{Project, Run, TestDatabase};

/// A migration file's text.
fn file(revision: &str, parents: &str, header: &str, up: &str, down: &str) -> String {
    format!(
        "-- forge:revision {revision}\n-- forge:parents {parents}\n-- forge:message {revision} migration\n{header}\n-- forge:upgrade\n{up}\n\n-- forge:downgrade\n{down}\n"
    )
}

fn write(project: &Project, name: &str, text: &str) {
    std::fs::write(project.versions_dir().join(name), text).unwrap();
}

const A: &str = "aaaaaaaaaaaa";
const B: &str = "bbbbbbbbbbbb";
const C: &str = "cccccccccccc";

/// a <- b <- c: a table, then a column on it, then another.
fn linear(project: &Project) {
    write(
        project,
        "1_a.sql",
        &file(
            A,
            "",
            "",
            "CREATE TABLE items (id integer PRIMARY KEY);",
            "DROP TABLE items;",
        ),
    );
    write(
        project,
        "2_b.sql",
        &file(
            B,
            A,
            "",
            "ALTER TABLE items ADD COLUMN name text;",
            "ALTER TABLE items DROP COLUMN name;",
        ),
    );
    write(
        project,
        "3_c.sql",
        &file(
            C,
            B,
            "",
            "ALTER TABLE items ADD COLUMN price numeric;",
            "ALTER TABLE items DROP COLUMN price;",
        ),
    );
}

async fn versions(db: &TestDatabase) -> Vec<String> {
    if !table_exists(db, "forge_version").await {
        return vec!["<no table>".to_string()];
    }
    sqlx::query_scalar("SELECT version_num::text FROM forge_version ORDER BY 1")
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

async fn table_exists(db: &TestDatabase, table: &str) -> bool {
    sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(table)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

async fn columns(db: &TestDatabase, table: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT column_name::text FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position")
        .bind(table)
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

async fn history(db: &TestDatabase) -> Vec<(String, String)> {
    sqlx::query_as("SELECT revision::text, direction::text FROM forge_history ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

fn rows(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// An error run: exit 2 and one sentence (plus an optional hint line).
fn one_sentence_error(run: Run) -> String {
    let run = run.expect_code(2);
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| !l.starts_with("hint:"))
        .collect();
    assert_eq!(lines.len(), 1, "expected one error line:\n{}", run.stderr);
    assert!(lines[0].starts_with("error: "), "{}", run.stderr);
    run.stderr
}

#[tokio::test]
async fn a_linear_chain_goes_up_and_back_to_base() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    linear(&project);
    let run = project.cli(&["migrate", "upgrade"]).success();
    assert!(
        run.stdout
            .contains("upgrade aaaaaaaaaaaa aaaaaaaaaaaa migration"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Upgraded 3 migrations"),
        "{}",
        run.stdout
    );
    assert_eq!(versions(&db).await, [C]);
    assert_eq!(columns(&db, "items").await, ["id", "name", "price"]);
    assert_eq!(history(&db).await, rows(&[(A, "up"), (B, "up"), (C, "up")]));
    let current = project.cli(&["migrate", "current"]).success();
    assert!(
        current
            .stdout
            .starts_with("cccccccccccc (head) cccccccccccc migration"),
        "{}",
        current.stdout
    );
    // Nothing left to do is not an error.
    assert!(project
        .cli(&["migrate", "upgrade"])
        .success()
        .stdout
        .contains("Nothing to upgrade"));
    project.cli(&["migrate", "downgrade", "base"]).success();
    assert_eq!(versions(&db).await, Vec::<String>::new());
    assert!(!table_exists(&db, "items").await);
    assert_eq!(
        history(&db).await,
        rows(&[
            (A, "up"),
            (B, "up"),
            (C, "up"),
            (C, "down"),
            (B, "down"),
            (A, "down")
        ])
    );
    let who: String = sqlx::query_scalar("SELECT applied_by FROM forge_history LIMIT 1")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(who, "postgres");
}

#[tokio::test]
async fn every_revision_spec_form_moves_where_it_says() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    linear(&project);
    project.cli(&["migrate", "upgrade", "+1"]).success();
    assert_eq!(versions(&db).await, [A]);
    project.cli(&["migrate", "upgrade", "bbb"]).success(); // unique prefix
    assert_eq!(versions(&db).await, [B]);
    project.cli(&["migrate", "downgrade", "-1"]).success();
    assert_eq!(versions(&db).await, [A]);
    project
        .cli(&["migrate", "upgrade", "aaaaaaaaaaaa+2"])
        .success();
    assert_eq!(versions(&db).await, [C]);
    project
        .cli(&["migrate", "downgrade", "cccccccccccc-2"])
        .success();
    assert_eq!(versions(&db).await, [A]);
    project.cli(&["migrate", "upgrade", "head"]).success();
    assert_eq!(versions(&db).await, [C]);
    project.cli(&["migrate", "downgrade", A]).success();
    assert_eq!(versions(&db).await, [A]);
    project.cli(&["migrate", "upgrade", "heads"]).success();
    assert_eq!(versions(&db).await, [C]);
}

#[tokio::test]
async fn revision_spec_errors_are_one_sentence_and_touch_nothing() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    write(
        &project,
        "1_a.sql",
        &file(
            "abc111111111",
            "",
            "",
            "CREATE TABLE t1 (id int);",
            "DROP TABLE t1;",
        ),
    );
    write(
        &project,
        "2_b.sql",
        &file(
            "abc222222222",
            "abc111111111",
            "",
            "CREATE TABLE t2 (id int);",
            "DROP TABLE t2;",
        ),
    );
    let cases: &[(&[&str], &str)] = &[
        (
            &["migrate", "upgrade", "ffff"],
            "no revision matches `ffff`",
        ),
        (
            &["migrate", "upgrade", "abc"],
            "`abc` matches several revisions (abc111111111, abc222222222)",
        ),
        (
            &["migrate", "upgrade", "+3"],
            "cannot go 3 steps up from base: only 2 revisions above it",
        ),
        (
            &["migrate", "downgrade", "-1"],
            "cannot go 1 step down from base",
        ),
        (
            &["migrate", "upgrade", "nobranch@head"],
            "no branch is labelled `nobranch`",
        ),
        (&["migrate", "upgrade", "a-b-c"], "is not a revision spec"),
        (
            &["migrate", "upgrade", "base:heads"],
            "is a range, which only offline mode accepts",
        ),
        (&["migrate", "show", "zzz"], "no revision matches `zzz`"),
    ];
    for (args, expected) in cases {
        let stderr = one_sentence_error(project.cli(args));
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert!(
        !table_exists(&db, "forge_version").await,
        "a refused command created the version table"
    );
    assert!(!table_exists(&db, "t1").await);
}

/// a <- b1 (one), a <- b2 (two)
fn forked(project: &Project) {
    write(
        project,
        "1_a.sql",
        &file(
            A,
            "",
            "",
            "CREATE TABLE base_t (id int);",
            "DROP TABLE base_t;",
        ),
    );
    write(
        project,
        "2_b1.sql",
        &file(
            "b1b1b1b1b1b1",
            A,
            "-- forge:branch one",
            "CREATE TABLE one_t (id int);",
            "DROP TABLE one_t;",
        ),
    );
    write(
        project,
        "2_b2.sql",
        &file(
            "b2b2b2b2b2b2",
            A,
            "-- forge:branch two",
            "CREATE TABLE two_t (id int);",
            "DROP TABLE two_t;",
        ),
    );
}

#[tokio::test]
async fn branches_are_applied_and_merged() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    forked(&project);
    let heads = project.cli(&["migrate", "heads"]).success();
    assert_eq!(heads.stdout.lines().count(), 2, "{}", heads.stdout);
    let stderr = one_sentence_error(project.cli(&["migrate", "upgrade", "head"]));
    assert!(
        stderr.contains("`head` is ambiguous: there are 2 heads"),
        "{stderr}"
    );
    project.cli(&["migrate", "upgrade", "one@head"]).success();
    assert_eq!(versions(&db).await, ["b1b1b1b1b1b1"]);
    project.cli(&["migrate", "upgrade", "heads"]).success();
    assert_eq!(versions(&db).await, ["b1b1b1b1b1b1", "b2b2b2b2b2b2"]);
    project.cli(&["migrate", "downgrade", "two@-1"]).success();
    assert_eq!(versions(&db).await, ["b1b1b1b1b1b1"]);
    assert!(!table_exists(&db, "two_t").await && table_exists(&db, "one_t").await);

    let merge = project
        .cli(&["migrate", "merge", "--message", "join branches"])
        .success();
    assert!(
        merge.stdout.contains("merging b1b1b1b1b1b1, b2b2b2b2b2b2"),
        "{}",
        merge.stdout
    );
    let heads = project.cli(&["migrate", "heads", "--json"]).success();
    let heads: serde_json::Value = serde_json::from_str(&heads.stdout).unwrap();
    assert_eq!(heads["heads"].as_array().unwrap().len(), 1);
    let merge_id = heads["heads"][0]["revision"].as_str().unwrap().to_string();
    project.cli(&["migrate", "upgrade"]).success();
    assert_eq!(versions(&db).await, [merge_id]);
    assert!(table_exists(&db, "two_t").await);
    let history = project.cli(&["migrate", "history"]).success();
    let first = history.stdout.lines().next().unwrap();
    assert!(
        first.contains("(head) (current) (mergepoint)"),
        "{}",
        history.stdout
    );
    // Stepping down from a merge reopens both branches (`-1` from a merge
    // point is ambiguous, as in Alembic: name the revision).
    let stderr = one_sentence_error(project.cli(&["migrate", "downgrade", "-1"]));
    assert!(stderr.contains("cannot walk down from"), "{stderr}");
    project
        .cli(&["migrate", "downgrade", "b1b1b1b1b1b1"])
        .success();
    assert_eq!(versions(&db).await, ["b1b1b1b1b1b1", "b2b2b2b2b2b2"]);
    // Merging a single head is refused.
    project.cli(&["migrate", "upgrade"]).success();
    let stderr = one_sentence_error(project.cli(&["migrate", "merge", "-m", "again"]));
    assert!(stderr.contains("nothing to merge"), "{stderr}");
}

/// Files exercising what the offline script must get right: a transaction-off
/// migration, a dollar-quoted block, a quote in a message.
fn rich(project: &Project) {
    linear(project);
    write(
        project,
        "4_d.sql",
        &file(
            "dddddddddddd",
            C,
            "-- forge:transaction off",
            "CREATE INDEX CONCURRENTLY items_name ON items (name);",
            "DROP INDEX CONCURRENTLY items_name;",
        ),
    );
    write(
        project,
        "5_e.sql",
        "-- forge:revision eeeeeeeeeeee\n-- forge:parents dddddddddddd\n-- forge:message it's a block\n-- forge:upgrade\nDO $$ BEGIN EXECUTE 'CREATE TABLE made_in_do (x text DEFAULT '';'')'; END $$;\nINSERT INTO items (id, name) VALUES (1, 'semi;colon');\n-- forge:downgrade\nDELETE FROM items;\nDROP TABLE made_in_do;\n",
    );
}

async fn schema_fingerprint(
    db: &TestDatabase,
) -> (
    Vec<(String, String, String)>,
    Vec<String>,
    Vec<String>,
    Vec<(String, String)>,
) {
    let columns = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let indexes = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    (columns, indexes, versions(db).await, history(db).await)
}

fn psql(db_url: &str, sql: &str) -> std::process::Output {
    let mut child = Command::new("psql")
        // psql does not know sqlx's URL parameters.
        .args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            db_url.split('?').next().unwrap(),
            "-f",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("psql is installed");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn offline_sql_through_psql_matches_the_online_upgrade() {
    let online = TestDatabase::create().await;
    let offline = TestDatabase::create().await;
    let project = Project::new(&online);
    rich(&project);
    project.cli(&["migrate", "upgrade"]).success();

    // A range needs no database: point the project at nothing.
    let unreachable = Project::with_url("postgres://postgres@127.0.0.1:1/none");
    for f in project.version_files() {
        std::fs::copy(&f, unreachable.versions_dir().join(f.file_name().unwrap())).unwrap();
    }
    let script = unreachable
        .cli(&["migrate", "upgrade", "base:heads", "--sql"])
        .success()
        .stdout;
    assert!(
        script.contains("BEGIN;") && script.contains("COMMIT;"),
        "{script}"
    );
    let ran = psql(&offline.url, &script);
    assert!(
        ran.status.success(),
        "psql failed: {}\n{script}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert_eq!(
        schema_fingerprint(&online).await,
        schema_fingerprint(&offline).await
    );

    // And back down: downgrade -1 --sql reads the current revision from the database.
    let offline_project = Project::new(&offline);
    for f in project.version_files() {
        std::fs::copy(
            &f,
            offline_project.versions_dir().join(f.file_name().unwrap()),
        )
        .unwrap();
    }
    let down = offline_project
        .cli(&["migrate", "downgrade", "-1", "--sql"])
        .success()
        .stdout;
    assert!(
        down.contains("DROP TABLE made_in_do;") && !down.contains("DROP INDEX"),
        "{down}"
    );
    assert!(psql(&offline.url, &down).status.success());
    project.cli(&["migrate", "downgrade", "-1"]).success();
    assert_eq!(
        schema_fingerprint(&online).await.2,
        schema_fingerprint(&offline).await.2
    );
    let down_all = unreachable
        .cli(&["migrate", "downgrade", "dddddddddddd:base", "--sql"])
        .success()
        .stdout;
    assert!(psql(&offline.url, &down_all).status.success());
    project.cli(&["migrate", "downgrade", "base"]).success();
    let (online_fp, offline_fp) = (
        schema_fingerprint(&online).await,
        schema_fingerprint(&offline).await,
    );
    assert_eq!(
        (online_fp.0, online_fp.1, online_fp.2),
        (offline_fp.0, offline_fp.1, offline_fp.2)
    );

    // Without a range and without a database, downgrade --sql says what it needs.
    let stderr = one_sentence_error(unreachable.cli(&["migrate", "downgrade", "-1", "--sql"]));
    assert!(
        stderr.contains("starts from the database's current revision"),
        "{stderr}"
    );
}

#[tokio::test]
async fn stamp_sql_through_psql_matches_the_online_stamp() {
    let online = TestDatabase::create().await;
    let offline = TestDatabase::create().await;
    let project = Project::new(&online);
    linear(&project);
    project.cli(&["migrate", "stamp", "head"]).success();
    let script = project
        .cli(&["migrate", "stamp", "head", "--sql", "--purge"])
        .success()
        .stdout;
    assert!(psql(&offline.url, &script).status.success(), "{script}");
    assert_eq!(versions(&online).await, versions(&offline).await);
    assert_eq!(history(&online).await, history(&offline).await);
}

#[tokio::test]
async fn a_failing_statement_leaves_the_previous_revision_and_names_revision_file_and_line() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    write(
        &project,
        "1_a.sql",
        &file(
            A,
            "",
            "",
            "CREATE TABLE items (id integer);",
            "DROP TABLE items;",
        ),
    );
    write(
        &project,
        "2_b.sql",
        &file(B, A, "", "ALTER TABLE items ADD COLUMN good text;\n\nALTER TABLE items\n    ADD COLUMN bad no_such_type;", "SELECT 1;"),
    );
    let run = project.cli(&["migrate", "upgrade"]).expect_code(2);
    // Header on lines 1-4, the marker on 5, statements from line 6; the bad type is on line 9.
    assert!(
        run.stderr.contains("revision bbbbbbbbbbbb ("),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("2_b.sql, line 9)"), "{}", run.stderr);
    assert!(
        run.stderr.contains("type \"no_such_type\" does not exist"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("rolled back"), "{}", run.stderr);
    assert_eq!(versions(&db).await, [A]);
    assert_eq!(
        columns(&db, "items").await,
        ["id"],
        "the first statement of the failed migration was not rolled back"
    );
    assert_eq!(history(&db).await, rows(&[(A, "up")]));
    // The lock was released: a new run proceeds at once.
    let free: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(free, 0);
}

/// The last statement travels with the bookkeeping and `COMMIT` in one
/// message: a runtime error there (no position, after a trailing comment)
/// still names the statement's line and records nothing.
#[tokio::test]
async fn a_failing_last_statement_is_named_and_nothing_is_recorded() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    write(
        &project,
        "1_a.sql",
        &file(
            A,
            "",
            "",
            "CREATE TABLE items (id integer);",
            "DROP TABLE items;",
        ),
    );
    write(
        &project,
        "2_b.sql",
        &file(
            B,
            A,
            "",
            "CREATE TABLE more_items (id integer);\nSELECT 1 / 0 -- fails at run time",
            "DROP TABLE more_items;",
        ),
    );
    let run = project.cli(&["migrate", "upgrade"]).expect_code(2);
    assert!(run.stderr.contains("2_b.sql, line 7)"), "{}", run.stderr);
    assert!(run.stderr.contains("division by zero"), "{}", run.stderr);
    assert_eq!(versions(&db).await, [A]);
    assert!(!table_exists(&db, "more_items").await);
    assert_eq!(history(&db).await, rows(&[(A, "up")]));
}

#[tokio::test]
async fn sixteen_concurrent_upgrades_apply_each_revision_once() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    let mut parent = String::new();
    for i in 0..10 {
        let id = format!("{i:012x}");
        let up = format!("CREATE TABLE t{i} (id int);\nSELECT pg_sleep(0.02);");
        write(
            &project,
            &format!("{i:02}.sql"),
            &file(&id, &parent, "", &up, &format!("DROP TABLE t{i};")),
        );
        parent = id;
    }
    let children: Vec<_> = (0..16)
        .map(|_| {
            project
                .command(&["migrate", "upgrade"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "a concurrent run failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let counts: Vec<(String, i64)> =
        sqlx::query_as("SELECT revision::text, count(*) FROM forge_history WHERE direction = 'up' GROUP BY 1 ORDER BY 1").fetch_all(&db.pool).await.unwrap();
    assert_eq!(counts.len(), 10);
    assert!(counts.iter().all(|(_, n)| *n == 1), "{counts:?}");
    assert_eq!(versions(&db).await, [parent]);
}

#[tokio::test]
async fn kill_9_during_a_long_migration_then_a_clean_rerun() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    write(
        &project,
        "1_a.sql",
        &file(
            A,
            "",
            "",
            "CREATE TABLE items (id int);",
            "DROP TABLE items;",
        ),
    );
    // Long unless the test says otherwise, so the re-run is quick.
    let slow = "ALTER TABLE items ADD COLUMN slow text;\nSELECT pg_sleep(CASE WHEN to_regclass('public.go_fast') IS NULL THEN 30 ELSE 0 END);";
    write(
        &project,
        "2_b.sql",
        &file(B, A, "", slow, "ALTER TABLE items DROP COLUMN slow;"),
    );
    let mut child = project
        .command(&["migrate", "upgrade"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let sleeping: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(CASE%' AND state = 'active' AND pid <> pg_backend_pid()")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        if sleeping > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the slow migration never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    db.execute("CREATE TABLE go_fast ()").await;
    let started = Instant::now();
    project
        .cli(&["migrate", "upgrade", "--lock-timeout", "20"])
        .success();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the re-run waited for the orphaned session: {:?}",
        started.elapsed()
    );
    assert_eq!(versions(&db).await, [B]);
    assert_eq!(history(&db).await, rows(&[(A, "up"), (B, "up")]));
    let held: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(held, 0, "the migration lock is still held");
}

#[tokio::test]
async fn an_edited_applied_migration_is_reported_and_accepted_deliberately() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    write(
        &project,
        "1_a.sql",
        &file(
            A,
            "",
            "",
            "CREATE TABLE items (id integer);",
            "DROP TABLE items;",
        ),
    );
    project.cli(&["migrate", "upgrade"]).success();
    // Line ends and trailing blanks are not edits.
    let path = project.versions_dir().join("1_a.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace('\n', "  \r\n")).unwrap();
    assert!(!project
        .cli(&["migrate", "current"])
        .success()
        .stdout
        .contains("warning"));
    // A real edit is.
    std::fs::write(&path, text.replace("id integer", "id bigint")).unwrap();
    write(
        &project,
        "2_b.sql",
        &file(
            B,
            A,
            "",
            "ALTER TABLE items ADD COLUMN name text;",
            "ALTER TABLE items DROP COLUMN name;",
        ),
    );
    let current = project.cli(&["migrate", "current"]).success();
    assert!(
        current.stdout.contains("warning: revision aaaaaaaaaaaa"),
        "{}",
        current.stdout
    );
    assert!(
        current.stdout.contains("--accept-changed aaaaaaaaaaaa"),
        "{}",
        current.stdout
    );
    let json: serde_json::Value = serde_json::from_str(
        &project
            .cli(&["migrate", "current", "--json"])
            .success()
            .stdout,
    )
    .unwrap();
    assert_eq!(json["changed"][0]["revision"], A);
    let stderr = one_sentence_error(project.cli(&["migrate", "upgrade"]));
    assert!(
        stderr.contains("changed after it was applied: aaaaaaaaaaaa"),
        "{stderr}"
    );
    assert_eq!(
        versions(&db).await,
        [A],
        "nothing may run while an applied file is changed"
    );
    project.cli(&["migrate", "check"]).expect_code(1);
    let accepted = project
        .cli(&["migrate", "upgrade", "--accept-changed", "aaaa"])
        .success();
    assert!(
        accepted
            .stdout
            .contains("accepted the changed file of revision aaaaaaaaaaaa"),
        "{}",
        accepted.stdout
    );
    assert_eq!(versions(&db).await, [B]);
    assert_eq!(
        history(&db).await,
        rows(&[(A, "up"), (A, "accept"), (B, "up")])
    );
    assert!(!project
        .cli(&["migrate", "current"])
        .success()
        .stdout
        .contains("warning"));
    // Accepting what did not change is refused.
    let stderr = one_sentence_error(project.cli(&["migrate", "upgrade", "--accept-changed", B]));
    assert!(stderr.contains("has not changed"), "{stderr}");
}

#[tokio::test]
async fn stamp_sets_the_version_without_running_and_purge_clears_unknown_rows() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    linear(&project);
    project.cli(&["migrate", "stamp", "head"]).success();
    assert_eq!(versions(&db).await, [C]);
    assert!(!table_exists(&db, "items").await, "stamp ran a migration");
    assert_eq!(history(&db).await, rows(&[(C, "stamp")]));
    project.cli(&["migrate", "stamp", B]).success();
    assert_eq!(versions(&db).await, [B]);
    db.execute("INSERT INTO forge_version VALUES ('ffffffffffff')")
        .await;
    let current = project.cli(&["migrate", "current"]).success();
    assert!(
        current.stdout.contains("no migration file defines"),
        "{}",
        current.stdout
    );
    let stderr = one_sentence_error(project.cli(&["migrate", "upgrade"]));
    assert!(
        stderr.contains("ffffffffffff, which no migration file defines"),
        "{stderr}"
    );
    project.cli(&["migrate", "stamp", "--purge", A]).success();
    assert_eq!(versions(&db).await, [A]);
    project.cli(&["migrate", "stamp", "base"]).success();
    assert_eq!(versions(&db).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_downgrade_through_an_empty_downgrade_section_is_refused() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    write(
        &project,
        "1_a.sql",
        &file(
            A,
            "",
            "",
            "CREATE TABLE items (id int);",
            "DROP TABLE items;",
        ),
    );
    write(
        &project,
        "2_b.sql",
        &file(B, A, "", "ALTER TABLE items ADD COLUMN name text;", ""),
    );
    project.cli(&["migrate", "upgrade"]).success();
    let stderr = one_sentence_error(project.cli(&["migrate", "downgrade", "base"]));
    assert!(
        stderr.contains("cannot downgrade revision bbbbbbbbbbbb")
            && stderr.contains("downgrade section is empty"),
        "{stderr}"
    );
    assert_eq!(versions(&db).await, [B]);
    assert_eq!(columns(&db, "items").await, ["id", "name"]);
    let stderr = one_sentence_error(project.cli(&["migrate", "downgrade", "base", "--sql"]));
    assert!(stderr.contains("downgrade section is empty"), "{stderr}");
}

#[tokio::test]
async fn bad_files_are_one_sentence_and_leave_the_database_untouched() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("1.sql", "-- forge:revision nothex\n-- forge:upgrade\nSELECT 1;\n")], "1.sql:1: `nothex` in `-- forge:revision` is not a revision id"),
        (&[("1.sql", "-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\nSELECT 1;\n-- forge:sideways\nSELECT 2;\n")], "1.sql:4: unknown directive `-- forge:sideways`"),
        (
            &[("1.sql", "-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\nSELECT 1;\n"), ("2.sql", "-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\nSELECT 2;\n")],
            "revision aaaaaaaaaaaa is defined twice",
        ),
        (
            &[
                ("1.sql", "-- forge:revision aaaaaaaaaaaa\n-- forge:parents bbbbbbbbbbbb\n-- forge:upgrade\nSELECT 1;\n"),
                ("2.sql", "-- forge:revision bbbbbbbbbbbb\n-- forge:parents aaaaaaaaaaaa\n-- forge:upgrade\nSELECT 2;\n"),
            ],
            "the revisions form a cycle",
        ),
        (&[("1.sql", "-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\nCREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY i ON t (a);\n")], "must say `-- forge:transaction off`"),
        (&[("1.sql", "-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\nSELECT 'unterminated;\n")], "unterminated string literal"),
    ];
    for (files, expected) in cases {
        let db = TestDatabase::create().await;
        let project = Project::new(&db);
        for (name, text) in *files {
            write(&project, name, text);
        }
        let stderr = one_sentence_error(project.cli(&["migrate", "upgrade"]));
        assert!(stderr.contains(expected), "{expected}: {stderr}");
        let tables: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                .fetch_one(&db.pool)
                .await
                .unwrap();
        assert_eq!(tables, 0, "{expected}: the database was touched");
    }
}

#[tokio::test]
async fn read_only_commands_never_create_the_version_tables() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    linear(&project);
    project.cli(&["migrate", "current"]).success();
    project
        .cli(&["migrate", "current", "--verbose", "--json"])
        .success();
    project.cli(&["migrate", "heads", "--verbose"]).success();
    project.cli(&["migrate", "history", "--verbose"]).success();
    project.cli(&["migrate", "show", "bbb"]).success();
    project.cli(&["migrate", "upgrade", "--sql"]).success();
    project.cli(&["migrate", "check"]).expect_code(1);
    assert!(!table_exists(&db, "forge_version").await);
    assert!(!table_exists(&db, "forge_history").await);
}

#[tokio::test]
async fn show_history_and_current_speak_json() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    linear(&project);
    project.cli(&["migrate", "upgrade", B]).success();
    let show: serde_json::Value = serde_json::from_str(
        &project
            .cli(&["migrate", "show", "bbb", "--json"])
            .success()
            .stdout,
    )
    .unwrap();
    assert_eq!(show["revision"], B);
    assert_eq!(show["parents"][0], A);
    assert_eq!(show["children"][0], C);
    assert_eq!(
        show["upgrade_sql"],
        "ALTER TABLE items ADD COLUMN name text;"
    );
    let history: serde_json::Value = serde_json::from_str(
        &project
            .cli(&["migrate", "history", "--json"])
            .success()
            .stdout,
    )
    .unwrap();
    let current: Vec<_> = history["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["is_current"] == true)
        .map(|e| e["revision"].clone())
        .collect();
    assert_eq!(current, [B]);
    let ranged = project.cli(&["migrate", "history", "-r", "bbb:"]).success();
    assert_eq!(ranged.stdout.lines().count(), 2, "{}", ranged.stdout);
    assert!(
        ranged.stdout.contains("bbbbbbbbbbbb (current)"),
        "{}",
        ranged.stdout
    );
    let now: serde_json::Value = serde_json::from_str(
        &project
            .cli(&["migrate", "current", "--json"])
            .success()
            .stdout,
    )
    .unwrap();
    assert_eq!(now["heads"][0]["revision"], B);
    assert_eq!(now["pending"][0], C);
    let check = project.cli(&["migrate", "check"]).expect_code(1);
    assert!(
        check
            .stderr
            .contains("1 migration is not applied (cccccccccccc)"),
        "{}",
        check.stderr
    );
}

// --- the truth under faults ---

/// The advisory lock some session holds on this database, if any.
async fn lock_holder(db: &TestDatabase) -> Option<i32> {
    sqlx::query_scalar(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .fetch_optional(&db.pool)
    .await
    .unwrap()
}

async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A first run is inside a slow migration when its lock session is ended;
/// a second run waits for the lock meanwhile. The revision must run once.
async fn end_the_lock_session_mid_run(transaction: &str) {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    write(
        &project,
        "1_a.sql",
        &file(
            A,
            "",
            "",
            "CREATE TABLE log (event text, pid int);",
            "DROP TABLE log;",
        ),
    );
    write(
        &project,
        "2_b.sql",
        &file(
            B,
            A,
            transaction,
            "INSERT INTO log VALUES ('start', pg_backend_pid());\nSELECT pg_sleep(3);\nINSERT INTO log VALUES ('end', pg_backend_pid());",
            "SELECT 1;",
        ),
    );
    project.cli(&["migrate", "upgrade", A]).success();
    let spawn = |args: &[&str]| {
        project
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let first = spawn(&["migrate", "upgrade"]);
    wait_until("the first run sleeps in its migration", async || {
        let sleeping: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(3)%' AND state = 'active' AND pid <> pg_backend_pid()")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        sleeping > 0
    })
    .await;
    let second = spawn(&["migrate", "upgrade", "--lock-timeout", "30"]);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let holder = lock_holder(&db)
        .await
        .expect("the first run holds the lock");
    sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(holder)
        .execute(&db.pool)
        .await
        .unwrap();
    let first = first.wait_with_output().unwrap();
    let second = second.wait_with_output().unwrap();
    let (first_err, second_err) = (
        String::from_utf8_lossy(&first.stderr),
        String::from_utf8_lossy(&second.stderr),
    );
    assert!(second.status.success(), "the second run: {second_err}");
    assert_eq!(first.status.code(), Some(2), "the first run: {first_err}");
    assert!(
        first_err.contains("ended before its outcome arrived")
            && first_err.contains("it is NOT applied"),
        "{first_err}"
    );
    let events: Vec<(String, i32)> = sqlx::query_as("SELECT event, pid FROM log ORDER BY event")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        events.iter().filter(|(e, _)| e == "end").count(),
        1,
        "the migration ran to its end twice: {events:?}"
    );
    let ups: Vec<(String, String)> = history(&db).await;
    assert_eq!(ups, rows(&[(A, "up"), (B, "up")]));
    assert_eq!(versions(&db).await, [B]);
}

#[tokio::test]
async fn ending_the_lock_session_mid_run_runs_no_transactional_revision_twice() {
    end_the_lock_session_mid_run("").await;
}

#[tokio::test]
async fn ending_the_lock_session_mid_run_runs_no_transaction_off_revision_twice() {
    end_the_lock_session_mid_run("-- forge:transaction off").await;
}

#[tokio::test]
async fn an_idle_session_timeout_cannot_take_the_lock_from_a_running_migration() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    write(
        &project,
        "1_a.sql",
        &file(
            A,
            "",
            "-- forge:transaction off",
            "CREATE TABLE log (event text);\nSELECT pg_sleep(2);\nINSERT INTO log VALUES ('end');",
            "DROP TABLE log;",
        ),
    );
    // Sessions idle for 300 ms are ended by the server: a lock held by an
    // idle session would be lost while the migration sleeps.
    let impatient = format!("{}?options=-c%20idle_session_timeout%3D300", plain_url(&db));
    let first = project
        .command(&["migrate", "upgrade", "--database-url", &impatient])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let second = project.cli(&["migrate", "upgrade", "--lock-timeout", "30"]);
    let first = first.wait_with_output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = second.success();
    assert!(
        second.stdout.contains("Nothing to upgrade"),
        "{}",
        second.stdout
    );
    let ends: i64 = sqlx::query_scalar("SELECT count(*) FROM log")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(ends, 1);
    assert_eq!(history(&db).await, rows(&[(A, "up")]));
}

fn plain_url(db: &TestDatabase) -> &str {
    db.url.split('?').next().unwrap()
}

/// host:port of the test server.
fn server_address(db: &TestDatabase) -> String {
    let options: sqlx::postgres::PgConnectOptions = db.url.parse().unwrap();
    format!("{}:{}", options.get_host(), options.get_port())
}

#[test]
fn every_migration_reported_applied_survives_a_server_crash_right_after_a_failed_run() {
    let server = forge_tests::Server::start();
    let admin = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-d",
            &server.url("postgres"),
            "-c",
            "CREATE DATABASE crash",
        ])
        .output()
        .unwrap();
    assert!(
        admin.status.success(),
        "{}",
        String::from_utf8_lossy(&admin.stderr)
    );
    let project = Project::with_url(&server.url("crash"));
    let mut parent = String::new();
    for i in 1..=4 {
        let id = format!("{i:012x}");
        let up = format!("CREATE TABLE t{i} (id int);");
        write(
            &project,
            &format!("{i}.sql"),
            &file(&id, &parent, "", &up, &format!("DROP TABLE t{i};")),
        );
        parent = id;
    }
    write(
        &project,
        "5.sql",
        &file("000000000005", &parent, "", "SELECT 1 / 0;", "SELECT 1;"),
    );
    for round in 0..5 {
        let run = project.cli(&["migrate", "upgrade"]).expect_code(2);
        let reported: Vec<&str> = run
            .stdout
            .lines()
            .filter_map(|l| l.strip_prefix("upgrade "))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert_eq!(reported.len(), 4, "round {round}: {}", run.stdout);
        server.crash();
        server.up();
        let applied = project.cli(&["migrate", "current", "--json"]).success();
        let json: serde_json::Value = serde_json::from_str(&applied.stdout).unwrap();
        assert_eq!(
            json["heads"][0]["revision"], reported[3],
            "round {round}: migrations reported applied were lost in the crash: {}",
            applied.stdout
        );
        project.cli(&["migrate", "downgrade", "base"]).success();
    }
}

/// A TCP relay in front of the test server that, once the client sends a
/// message containing `marker`, passes it on and closes the connection
/// without relaying the answer: the client's connection is cut while the
/// server carries on (and commits).
struct CuttingRelay {
    port: u16,
}

impl CuttingRelay {
    fn start(upstream: &str, marker: &'static [u8]) -> CuttingRelay {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let upstream = upstream.to_string();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let upstream = upstream.clone();
                std::thread::spawn(move || relay_until(client, &upstream, marker));
            }
        });
        CuttingRelay { port }
    }
}

fn relay_until(client: std::net::TcpStream, upstream: &str, marker: &[u8]) {
    use std::io::{Read, Write};
    let Ok(server) = std::net::TcpStream::connect(upstream) else {
        return;
    };
    let (mut client_in, mut server_out) =
        (client.try_clone().unwrap(), server.try_clone().unwrap());
    let (mut server_in, mut client_out) = (server, client);
    let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let cut_down = cut.clone();
    let down = std::thread::spawn(move || {
        let mut buffer = [0u8; 16 * 1024];
        while let Ok(n) = server_in.read(&mut buffer) {
            if n == 0 || cut_down.load(std::sync::atomic::Ordering::SeqCst) {
                break;
            }
            if client_out.write_all(&buffer[..n]).is_err() {
                break;
            }
        }
        let _ = client_out.shutdown(std::net::Shutdown::Both);
    });
    let mut buffer = [0u8; 16 * 1024];
    while let Ok(n) = client_in.read(&mut buffer) {
        if n == 0 {
            break;
        }
        let chunk = &buffer[..n];
        if chunk.windows(marker.len()).any(|w| w == marker) {
            cut.store(true, std::sync::atomic::Ordering::SeqCst);
            let _ = server_out.write_all(chunk);
            // Let the server run (and commit) the message, then cut.
            std::thread::sleep(Duration::from_millis(500));
            let _ = client_in.shutdown(std::net::Shutdown::Both);
            break;
        }
        if server_out.write_all(chunk).is_err() {
            break;
        }
    }
    let _ = server_out.shutdown(std::net::Shutdown::Write);
    let _ = down.join();
}

/// The test database reached through a [`CuttingRelay`] (wherever the test
/// server runs), with revision A (a table) and B (`b_upgrade`, which holds the
/// relay's marker).
async fn behind_a_cutting_relay(b_upgrade: &str) -> (TestDatabase, Project) {
    let db = TestDatabase::create().await;
    let options: sqlx::postgres::PgConnectOptions = db.url.parse().unwrap();
    let upstream = format!("{}:{}", options.get_host(), options.get_port());
    let relay = CuttingRelay::start(&upstream, b"cut-after-send");
    // In clear text: the relay looks for the marker in what the client sends.
    let through_relay = options
        .host("127.0.0.1")
        .port(relay.port)
        .ssl_mode(sqlx::postgres::PgSslMode::Disable);
    let project = Project::with_url(sqlx::ConnectOptions::to_url_lossy(&through_relay).as_ref());
    write(
        &project,
        "1_a.sql",
        &file(
            A,
            "",
            "",
            "CREATE TABLE items (id int);",
            "DROP TABLE items;",
        ),
    );
    write(
        &project,
        "2_b.sql",
        &file(B, A, "", b_upgrade, "DROP TABLE more_items;"),
    );
    (db, project)
}

#[tokio::test]
async fn a_connection_cut_while_the_commit_is_in_flight_reports_what_the_database_holds() {
    // The last statement travels with the bookkeeping and COMMIT: the server
    // commits, and the answer never arrives.
    let (db, project) =
        behind_a_cutting_relay("CREATE TABLE more_items (id int);\nSELECT 'cut-after-send';").await;
    let run = project.cli(&["migrate", "upgrade"]).expect_code(2);
    assert!(
        run.stderr.contains("revision bbbbbbbbbbbb")
            && run.stderr.contains("ended before its outcome arrived")
            && run
                .stderr
                .contains("it IS applied and the database is at bbbbbbbbbbbb"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("rolled back"), "{}", run.stderr);
    assert_eq!(versions(&db).await, [B]);
    assert!(table_exists(&db, "more_items").await);
}

#[tokio::test]
async fn a_connection_cut_before_the_commit_reports_the_revision_not_applied() {
    let (db, project) = behind_a_cutting_relay(
        "CREATE TABLE more_items (id int);\nSELECT 'cut-after-send', pg_sleep(1);\nSELECT 1;",
    )
    .await;
    let run = project.cli(&["migrate", "upgrade"]).expect_code(2);
    assert!(
        run.stderr.contains("it is NOT applied (its transaction was rolled back) and the database is at aaaaaaaaaaaa"),
        "{}",
        run.stderr
    );
    assert_eq!(versions(&db).await, [A]);
    assert!(!table_exists(&db, "more_items").await);
}

#[tokio::test]
async fn transaction_control_and_copy_with_the_client_are_refused_before_anything_runs() {
    for (up, expected) in [
        (
            "CREATE TABLE t1 (a int);\nCOMMIT;\nCREATE TABLE t2 (a int);",
            "line 7): the upgrade section uses COMMIT",
        ),
        (
            "CREATE TABLE t1 (a int);\nBEGIN;",
            "line 7): the upgrade section uses BEGIN",
        ),
        (
            "SAVEPOINT s;\nCREATE TABLE t1 (a int);",
            "line 6): the upgrade section uses SAVEPOINT",
        ),
        (
            "CREATE TABLE t1 (a int);\nCOPY t1 FROM STDIN;",
            "line 7): the upgrade section uses COPY ... FROM STDIN",
        ),
        (
            "CREATE TABLE t1 (a int);\nCOPY (SELECT 1) TO STDOUT;",
            "line 7): the upgrade section uses COPY ... TO STDOUT",
        ),
    ] {
        for header in ["", "-- forge:transaction off"] {
            let db = TestDatabase::create().await;
            let project = Project::new(&db);
            write(&project, "1_a.sql", &file(A, "", header, up, "SELECT 1;"));
            let started = Instant::now();
            let stderr = one_sentence_error(project.cli(&["migrate", "upgrade"]));
            assert!(stderr.contains(expected), "{header} {up}: {stderr}");
            assert!(stderr.contains("nothing was run"), "{stderr}");
            assert!(started.elapsed() < Duration::from_secs(10));
            let tables: i64 =
                sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                    .fetch_one(&db.pool)
                    .await
                    .unwrap();
            assert_eq!(tables, 0, "{up}: something ran");
            let offline =
                one_sentence_error(project.cli(&["migrate", "upgrade", "base:heads", "--sql"]));
            assert!(offline.contains(expected), "{offline}");
        }
    }
}

#[tokio::test]
async fn valid_sql_that_looks_like_transaction_control_runs() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    let up = "CREATE TABLE begin (commit int);\nCREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\nCREATE TRIGGER t BEFORE INSERT ON begin FOR EACH ROW EXECUTE FUNCTION touch();\n-- a comment ended by a carriage return\rINSERT INTO begin VALUES (1);";
    write(
        &project,
        "1_a.sql",
        &file(A, "", "", up, "DROP TABLE begin;\nDROP FUNCTION touch();"),
    );
    project.cli(&["migrate", "upgrade"]).success();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM begin")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        rows, 1,
        "the statement after the carriage return was dropped"
    );
}

#[tokio::test]
async fn a_statement_timeout_cancels_a_migration_that_runs_too_long() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    write(
        &project,
        "1_a.sql",
        &file(
            A,
            "",
            "",
            "CREATE TABLE t (a int);\nSELECT pg_sleep(30);",
            "DROP TABLE t;",
        ),
    );
    project.write_config("[migrations]\nstatement_timeout = 1\n");
    let started = Instant::now();
    let stderr = one_sentence_error(project.cli(&["migrate", "upgrade"]));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        stderr.contains("canceling statement due to statement timeout"),
        "{stderr}"
    );
    assert!(stderr.contains("rolled back"), "{stderr}");
    assert!(!table_exists(&db, "t").await);
    // The flag wins over the file.
    project.write_config("[migrations]\nstatement_timeout = 60\n");
    let stderr =
        one_sentence_error(project.cli(&["migrate", "upgrade", "--statement-timeout", "1"]));
    assert!(stderr.contains("statement timeout"), "{stderr}");
}

#[tokio::test]
async fn an_invalid_index_left_by_create_index_concurrently_is_not_recorded_as_done() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    write(
        &project,
        "1_a.sql",
        &file(
            A,
            "",
            "",
            "CREATE TABLE items (name text);\nINSERT INTO items VALUES ('x'), ('x');",
            "DROP TABLE items;",
        ),
    );
    write(
        &project,
        "2_b.sql",
        &file(
            B,
            A,
            "-- forge:transaction off",
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS items_name ON items (name);",
            "DROP INDEX CONCURRENTLY items_name;",
        ),
    );
    // The duplicates make the build fail: PostgreSQL keeps the index, invalid.
    let failed = one_sentence_error(project.cli(&["migrate", "upgrade"]));
    assert!(failed.contains("could not create unique index"), "{failed}");
    // IF NOT EXISTS now skips it: the run must not record the revision.
    let refused = one_sentence_error(project.cli(&["migrate", "upgrade"]));
    assert!(
        refused.contains("revision bbbbbbbbbbbb")
            && refused.contains("left an invalid index")
            && refused.contains("public.items_name")
            && refused.contains("DROP INDEX CONCURRENTLY \"public\".\"items_name\""),
        "{refused}"
    );
    assert_eq!(versions(&db).await, [A]);
    let verify = project.cli(&["db", "verify"]).expect_code(1);
    let line = verify
        .stdout
        .lines()
        .find(|l| l.contains("indexes"))
        .unwrap_or_default();
    assert!(
        line.starts_with("FAIL") && line.contains("public.items_name"),
        "{}",
        verify.stdout
    );
    // Repaired as the message says, the migration runs and is recorded.
    db.execute("DROP INDEX CONCURRENTLY \"public\".\"items_name\"")
        .await;
    db.execute("DELETE FROM items").await;
    project.cli(&["migrate", "upgrade"]).success();
    assert_eq!(versions(&db).await, [B]);
    let verify = project.cli(&["db", "verify"]);
    assert!(verify.stdout.contains("OK    indexes"), "{}", verify.stdout);
}

#[tokio::test]
async fn the_embedded_runner_and_the_cli_take_the_same_lock() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    let slow = "CREATE TABLE items (id int);\nSELECT pg_sleep(2);";
    write(
        &project,
        "1_a.sql",
        &file(A, "", "", slow, "DROP TABLE items;"),
    );
    let text = std::fs::read_to_string(project.versions_dir().join("1_a.sql")).unwrap();
    // The app's migrator, as an app builds it: no schema named.
    let migrator = forge_core::runner::Migrator::from_sources(&[("1_a.sql", text.as_str())])
        .unwrap()
        .with_lock_timeout(Duration::from_millis(500));
    // The CLI migrates; the app's startup run finds the lock taken.
    let cli = project
        .command(&["migrate", "upgrade"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let cli_pid = cli.id();
    wait_until("the CLI holds the lock", async || {
        lock_holder(&db).await.is_some()
    })
    .await;
    let error = migrator.upgrade(&db.pool, "heads").await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains(&format!("forge migrate (pid {cli_pid})")),
        "{error}"
    );
    assert!(cli.wait_with_output().unwrap().status.success());
    // And the other way round: the app migrates, the CLI waits and times out.
    project.cli(&["migrate", "downgrade", "base"]).success();
    let app = tokio::spawn({
        let pool = db.pool.clone();
        let migrator = migrator.clone();
        async move { migrator.upgrade(&pool, "heads").await }
    });
    wait_until("the app holds the lock", async || {
        lock_holder(&db).await.is_some()
    })
    .await;
    let waited = one_sentence_error(project.cli(&["migrate", "upgrade", "--lock-timeout", "1"]));
    assert!(
        waited.contains("waiting for the migration lock"),
        "{waited}"
    );
    assert_eq!(app.await.unwrap().unwrap().len(), 1);
    assert_eq!(
        history(&db).await,
        rows(&[(A, "up"), (A, "down"), (A, "up")])
    );
}

#[tokio::test]
async fn a_password_of_any_shape_never_appears_in_any_output() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    linear(&project);
    project.cli(&["migrate", "upgrade", A]).success();
    let shapes = [
        "Zq7@Wx9",
        "Zq7:Wx9",
        "Zq7/Wx9",
        "Zq7%Wx9",
        "Zq7#Wx9",
        "Zq7?Wx9",
        "Zq7&Wx9",
        "Zq7=Wx9",
        "Zq7 Wx9",
        "Zq7pässwörtWx9",
        "Zq7@:/%#?&= Wx9",
        "12#Wx9Zq7",
    ];
    let encode = |p: &str| -> String {
        p.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    for password in shapes {
        for written in [password.to_string(), encode(password)] {
            // Reachable (the test server trusts any password) and not.
            for host in [
                format!("{}/{}", server_address(&db), db.name),
                "127.0.0.1:1/nowhere".to_string(),
            ] {
                let url = format!("postgres://postgres:{written}@{host}");
                for args in [
                    &["migrate", "current"][..],
                    &["migrate", "current", "--json"],
                    &["migrate", "upgrade", "--sql"],
                    &["migrate", "upgrade"],
                    &["migrate", "history"],
                    // At the head: autogenerate writes a file from the models.
                    &["migrate", "revision", "from the models"],
                    &["db", "verify"],
                    &["db", "verify", "--json"],
                ] {
                    let mut command = project.command(args);
                    command.env("DATABASE_URL", &url);
                    let output = command.output().unwrap();
                    let shown = format!(
                        "{}{}",
                        String::from_utf8_lossy(&output.stdout),
                        String::from_utf8_lossy(&output.stderr)
                    );
                    assert!(
                        !shown.contains("Zq7") && !shown.contains("Wx9"),
                        "{args:?} with {url}:\n{shown}"
                    );
                }
                for file in project.version_files() {
                    let text = std::fs::read_to_string(&file).unwrap();
                    assert!(
                        !text.contains("Zq7") && !text.contains("Wx9"),
                        "{}",
                        file.display()
                    );
                }
                project.cli(&["migrate", "downgrade", A]).success();
            }
        }
    }
}

#[tokio::test]
async fn urls_and_names_the_backend_cannot_use_are_clear_errors() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    linear(&project);
    let mysql = one_sentence_error(project.cli(&[
        "migrate",
        "upgrade",
        "--database-url",
        "mysql://app:pw@127.0.0.1:5432/app",
    ]));
    assert!(
        mysql.contains("`mysql://` URLs are not supported"),
        "{mysql}"
    );
    let long_name = "v".repeat(64);
    project.write_config(&format!("[migrations]\nversion_table = \"{long_name}\"\n"));
    let long = one_sentence_error(project.cli(&["migrate", "upgrade"]));
    assert!(long.contains("at most 63 bytes"), "{long}");
    assert!(!table_exists(&db, "items").await);
}

#[tokio::test]
async fn a_user_without_usage_on_the_schema_is_told_what_to_grant() {
    let db = TestDatabase::create().await;
    let role = format!("no_usage_{}", &db.name[db.name.len() - 8..]);
    db.execute(&format!(
        "CREATE ROLE {role} LOGIN; CREATE SCHEMA app; GRANT CONNECT ON DATABASE \"{}\" TO {role};",
        db.name
    ))
    .await;
    let project = Project::with_url(&format!(
        "postgres://{role}@{}/{}",
        server_address(&db),
        db.name
    ));
    project.write_config("schema = \"app\"\n");
    linear(&project);
    let stderr = one_sentence_error(project.cli(&["migrate", "current"]));
    assert!(stderr.contains("no USAGE privilege"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "GRANT USAGE, CREATE ON SCHEMA \"app\" TO \"{role}\""
        )),
        "{stderr}"
    );
    drop(db);
    let admin = sqlx::PgPool::connect(&forge_tests::postgres::server_url())
        .await
        .unwrap();
    let _ = sqlx::query(&format!("DROP ROLE IF EXISTS {role}"))
        .execute(&admin)
        .await;
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_error_not_an_unreachable_server() {
    let db = TestDatabase::create().await;
    let project = Project::with_url(&format!("{}?sslmode=verify-full", plain_url(&db)));
    linear(&project);
    let stderr = one_sentence_error(project.cli(&["migrate", "current"]));
    assert!(stderr.contains("TLS with the database server"), "{stderr}");
    assert!(stderr.contains("sslrootcert"), "{stderr}");
    assert!(!stderr.contains("check that it is running"), "{stderr}");
}

#[tokio::test]
async fn sql_scripts_say_where_they_start_and_never_fall_back_to_base() {
    let project = Project::with_url("postgres://postgres@127.0.0.1:1/nowhere");
    linear(&project);
    let run = project.cli(&["migrate", "upgrade", "--sql"]).expect_code(2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("upgrade --sql starts from the database's current revision"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("base:heads"), "{}", run.stderr);
    let ranged = project
        .cli(&["migrate", "upgrade", "aaa:heads", "--sql"])
        .success();
    assert!(
        ranged.stdout.contains("-- starts at: aaaaaaaaaaaa"),
        "{}",
        ranged.stdout
    );
}

#[tokio::test]
async fn a_reader_that_stops_reading_ends_the_command_quietly() {
    let db = TestDatabase::create().await;
    let project = Project::new(&db);
    linear(&project);
    for args in [
        &["entities", "list"][..],
        &["migrate", "history", "--verbose"],
    ] {
        // `| head -1` that has already exited: the pipe has no reader.
        let mut ends = [0; 2];
        // SAFETY: pipe() fills two descriptors this test owns from here on.
        assert_eq!(unsafe { libc::pipe(ends.as_mut_ptr()) }, 0);
        // SAFETY: each descriptor is owned once.
        let (reader, writer) = unsafe {
            use std::os::fd::FromRawFd;
            (
                std::os::fd::OwnedFd::from_raw_fd(ends[0]),
                std::os::fd::OwnedFd::from_raw_fd(ends[1]),
            )
        };
        drop(reader);
        let output = project
            .command(args)
            .stdout(Stdio::from(writer))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn a_password_of_any_shape_logs_in_from_pgpassword_or_percent_encoded_and_is_never_shown() {
    let password = "Zq7@:/%#?&= Wx9";
    let server = forge_tests::Server::with_password(password);
    let created = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-d",
            &server.url("postgres"),
            "-c",
            "CREATE DATABASE app",
        ])
        .env("PGPASSWORD", password)
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let project = Project::with_url(&server.url("app"));
    linear(&project);
    let run = |env: &[(&str, &str)], args: &[&str]| {
        let mut command = project.command(args);
        command.env_remove("PGPASSWORD");
        for (name, value) in env {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        let shown = format!("{}{}", run.stdout, run.stderr);
        assert!(
            !shown.contains("Zq7") && !shown.contains("Wx9"),
            "{args:?} {env:?}: {shown}"
        );
        run
    };
    // The Kubernetes Job recipe: the URL names no password, the Secret fills
    // PGPASSWORD, and no character of it needs encoding.
    run(&[("PGPASSWORD", password)], &["migrate", "upgrade", B]).success();
    // Percent-encoded in the URL.
    let encoded: String = password
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let url = format!(
        "postgres://postgres:{encoded}@127.0.0.1:{}/app",
        server.port
    );
    let current = run(&[("DATABASE_URL", &url)], &["migrate", "current"]).success();
    assert!(current.stdout.contains(B), "{}", current.stdout);
    // As typed: it cannot be read as a URL; the error says how to write it.
    let raw = format!(
        "postgres://postgres:{password}@127.0.0.1:{}/app",
        server.port
    );
    let refused = run(&[("DATABASE_URL", &raw)], &["migrate", "current"]).expect_code(2);
    assert!(
        refused.stderr.contains("percent-encode it"),
        "{}",
        refused.stderr
    );
    // A wrong one: refused credentials, still not shown.
    let wrong = format!(
        "postgres://postgres:Zq7wrongWx9@127.0.0.1:{}/app",
        server.port
    );
    let denied = run(&[("DATABASE_URL", &wrong)], &["migrate", "upgrade"]).expect_code(2);
    assert!(
        denied.stderr.contains("refused the credentials"),
        "{}",
        denied.stderr
    );
}
