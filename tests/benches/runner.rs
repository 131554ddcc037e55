//! Benchmark of the runner through the CLI binary (whole process, like the
//! Alembic peer measures): a chain of 200 small revisions, each adding a column
//! (the Alembic peer's chain: same revision ids, tables, columns and types, from
//! ../shared/peers/alembic/results/n100/chain.json when present), applied from
//! its root, reverted to it, and `current` at the head — of this database and
//! of one whose history holds 1M rows, in turns (`current` must cost the same
//! whatever the history holds); compared with `psql -f` of the same offline SQL.
//!
//! cargo bench -p forge-tests --bench runner   (builds the release CLI first; RUNS=N)

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use forge_tests::{Project, TestDatabase};

const ROOT: &str = "000000000001";
const CHAIN_JSON: &str = "../../shared/peers/alembic/results/n100/chain.json";

struct Link {
    revision: String,
    table: String,
    column: String,
    sql_type: &'static str,
}

fn sql_type(peer: &str) -> &'static str {
    match peer {
        "bigint" => "bigint",
        "int" => "integer",
        "bool" => "boolean",
        "float" => "double precision",
        "text" => "text",
        "str" => "varchar(50)",
        "datetime" => "timestamptz",
        _ => "text",
    }
}

/// The peer's chain, or a generated one of the same shape.
fn chain() -> (Vec<Link>, &'static str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(CHAIN_JSON);
    if let Ok(text) = std::fs::read_to_string(&path) {
        let json: serde_json::Value = serde_json::from_str(&text).expect("chain.json is JSON");
        let links = json["chain"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| Link {
                revision: l["revision"].as_str().unwrap().to_string(),
                table: l["table"].as_str().unwrap().to_string(),
                column: l["column"].as_str().unwrap().to_string(),
                sql_type: sql_type(l["type"].as_str().unwrap()),
            })
            .collect();
        return (links, "the Alembic peer's chain.json");
    }
    let types = ["bigint", "int", "bool", "float", "text", "str", "datetime"];
    let links = (1..=200)
        .map(|i| Link {
            revision: format!("{:012x}", 0x100 + i),
            table: format!("t_{:04}", i % 84),
            column: format!("extra_{i:03}"),
            sql_type: sql_type(types[i % types.len()]),
        })
        .collect();
    (links, "a generated chain (chain.json not found)")
}

fn write_project(project: &Project, links: &[Link]) {
    let dir = project.versions_dir();
    let mut tables: Vec<&str> = links.iter().map(|l| l.table.as_str()).collect();
    tables.sort();
    tables.dedup();
    let up: String = tables
        .iter()
        .map(|t| format!("CREATE TABLE \"{t}\" (id bigint PRIMARY KEY);\n"))
        .collect();
    let down: String = tables
        .iter()
        .map(|t| format!("DROP TABLE \"{t}\";\n"))
        .collect();
    std::fs::write(
        dir.join("0000_init.sql"),
        format!("-- forge:revision {ROOT}\n-- forge:message init\n\n-- forge:upgrade\n{up}\n-- forge:downgrade\n{down}"),
    )
    .unwrap();
    let mut parent = ROOT.to_string();
    for (i, link) in links.iter().enumerate() {
        let text = format!(
            "-- forge:revision {}\n-- forge:parents {parent}\n-- forge:message add {}.{}\n\n-- forge:upgrade\nALTER TABLE \"{}\" ADD COLUMN \"{}\" {};\n\n-- forge:downgrade\nALTER TABLE \"{}\" DROP COLUMN \"{}\";\n",
            link.revision, link.table, link.column, link.table, link.column, link.sql_type, link.table, link.column
        );
        std::fs::write(dir.join(format!("{:04}_{}.sql", i + 1, link.column)), text).unwrap();
        parent = link.revision.clone();
    }
}

fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
    let bin = dir.join("api-forge-cli");
    // Always (re)build: a stale binary would measure old code.
    {
        let profile = if dir.ends_with("release") {
            vec!["--release"]
        } else {
            vec![]
        };
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "shop", "--bin", "api-forge-cli"])
            .args(profile)
            .status()
            .expect("run cargo");
        assert!(status.success(), "cannot build the CLI");
    }
    bin
}

fn run(project: &Project, bin: &Path, args: &[&str]) -> Duration {
    let started = Instant::now();
    let output = Command::new(bin)
        .args(args)
        .current_dir(project.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

fn psql(url: &str, file: &Path) -> Duration {
    let started = Instant::now();
    let output = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url.split('?').next().unwrap(),
            "-f",
        ])
        .arg(file)
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

/// Median, min and max in seconds.
fn stats(mut times: Vec<Duration>) -> (f64, f64, f64) {
    times.sort();
    let s = |d: Duration| d.as_secs_f64();
    (
        s(times[times.len() / 2]),
        s(times[0]),
        s(times[times.len() - 1]),
    )
}

fn show(name: &str, times: &[Duration]) -> f64 {
    let (median, min, max) = stats(times.to_vec());
    println!(
        "{name:<46} {:>8.1} ms  ({:.1}–{:.1}) ×{}",
        median * 1e3,
        min * 1e3,
        max * 1e3,
        times.len()
    );
    median
}

fn main() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(7);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = runtime.block_on(TestDatabase::create());
    let project = Project::new(&db);
    let (links, source) = chain();
    write_project(&project, &links);
    let bin = binary();
    let cli = |args: &[&str]| run(&project, &bin, args);
    println!(
        "Forge runner benchmark: {} revisions ({source}), PostgreSQL at {}",
        links.len(),
        db.url.split('?').next().unwrap()
    );
    println!("transaction granularity: one transaction per migration (with its bookkeeping); Alembic: one for the whole run");

    cli(&["migrate", "upgrade", ROOT]);
    let scratch = forge_tests::TempDir::new("forge-bench-sql");
    let up_sql = scratch.path().join("up.sql");
    let down_sql = scratch.path().join("down.sql");
    let out = Command::new(&bin)
        .args(["migrate", "upgrade", &format!("{ROOT}:heads"), "--sql"])
        .current_dir(project.path())
        .output()
        .unwrap();
    std::fs::write(&up_sql, out.stdout).unwrap();
    let out = Command::new(&bin)
        .args(["migrate", "downgrade", &format!("heads:{ROOT}"), "--sql"])
        .current_dir(project.path())
        .output()
        .unwrap();
    std::fs::write(&down_sql, out.stdout).unwrap();

    // Warm-up, then alternate so each timed run starts from the state it needs.
    cli(&["migrate", "upgrade"]);
    cli(&["migrate", "downgrade", ROOT]);
    let (mut up, mut down, mut psql_up, mut psql_down) = (vec![], vec![], vec![], vec![]);
    for _ in 0..runs {
        up.push(cli(&["migrate", "upgrade"]));
        down.push(cli(&["migrate", "downgrade", ROOT]));
        psql_up.push(psql(&db.url, &up_sql));
        psql_down.push(psql(&db.url, &down_sql));
    }
    // `current` at the head of a young database and of a long-lived one (a
    // million history rows: copies of the real ones, so each revision's last
    // checksum stays the file's), taken in turns so both see the same machine.
    cli(&["migrate", "upgrade"]);
    let long_db = runtime.block_on(TestDatabase::create());
    let long_project = Project::new(&long_db);
    write_project(&long_project, &links);
    let long_cli = |args: &[&str]| run(&long_project, &bin, args);
    long_cli(&["migrate", "upgrade"]);
    let history_rows = runtime.block_on(grow_history(&long_db, 1_000_000));
    let (mut current, mut current_long) = (vec![], vec![]);
    for _ in 0..runs * 2 {
        current.push(cli(&["migrate", "current"]));
        current_long.push(long_cli(&["migrate", "current"]));
    }
    let version = cli(&["--version"]);
    println!();
    let u = show("forge migrate upgrade (200, from root)", &up);
    let pu = show("psql -f (same upgrade SQL)", &psql_up);
    let d = show("forge migrate downgrade (200, to root)", &down);
    let pd = show("psql -f (same downgrade SQL)", &psql_down);
    let c = show("forge migrate current (at head)", &current);
    let cl = show(
        &format!("forge migrate current ({history_rows} history rows)"),
        &current_long,
    );
    println!(
        "{:<46} {:>8.1} ms",
        "api-forge-cli --version (process floor)",
        version.as_secs_f64() * 1e3
    );
    println!();
    println!("upgrade / psql    = {:.2}× (goal ≤ 1.5×)", u / pu);
    println!("downgrade / psql  = {:.2}×", d / pd);
    println!("Alembic (published, N=100, median): d1 upgrade 1.32 s, d2 downgrade 1.29 s, e1 current 1.17 s");
    println!(
        "Alembic d1 / forge upgrade   = {:.1}× (goal ≥ 10×)",
        1.32 / u
    );
    println!("Alembic d2 / forge downgrade = {:.1}×", 1.29 / d);
    println!(
        "Alembic e1 / forge current   = {:.1}×   (current goal < 20 ms: {:.1} ms; with {history_rows} history rows: {:.1} ms)",
        1.17 / c,
        c * 1e3,
        cl * 1e3
    );
}

/// Copies the history rows until the table holds at least `rows`; returns how many it holds.
async fn grow_history(db: &TestDatabase, rows: i64) -> i64 {
    let now: i64 = sqlx::query_scalar("SELECT count(*) FROM forge_history")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let copies = (rows + now - 1) / now.max(1);
    sqlx::query(
        "INSERT INTO forge_history (revision, direction, checksum, message, applied_at, duration_ms, applied_by) \
         SELECT h.revision, h.direction, h.checksum, h.message, h.applied_at, h.duration_ms, h.applied_by \
         FROM generate_series(1, $1) AS copy, forge_history h ORDER BY copy, h.id",
    )
    .bind(copies - 1)
    .execute(&db.pool)
    .await
    .unwrap();
    // As a long-lived table would be: vacuumed, and its pages written out
    // (so no checkpoint runs while `current` is timed).
    db.execute("VACUUM ANALYZE forge_history").await;
    db.execute("CHECKPOINT").await;
    sqlx::query_scalar("SELECT count(*) FROM forge_history")
        .fetch_one(&db.pool)
        .await
        .unwrap()
}
