//! Benchmark of autogenerate's database side on an N-table PostgreSQL schema:
//! the raw catalog reads (the queries and their rows, nothing else), then
//! autogenerate's whole comparison (introspection, settling with the server
//! what text cannot, the diff), in the in-sync (no-op) case and against an
//! empty database, with the number of catalog queries and the ratio of the
//! no-op to the raw reads. A second in-sync case gives every table a CHECK
//! and a default PostgreSQL prints in its own spelling (`char_length(code)`
//! is `char_length((code)::text)`), so the server settles one expression of
//! each table on every run. Prints its figures; it is not a timed test.
//!
//! ```sh
//! cargo bench -p forge-tests --bench autogenerate            # N = 100 and 1000
//! cargo bench -p forge-tests --bench autogenerate -- 100     # one size
//! ```
//!
//! The schema is the Alembic peer's (`../shared/peers/alembic/gen.py project
//! DIR --tables N` writes `schema.json`; `FORGE_ALEMBIC_PEER` overrides the
//! folder) when python3 and the peer are there, otherwise a deterministic
//! generator of the same shape: about 10 columns per table, one unique string
//! column, one or two indexes, a foreign key to an earlier table for about
//! half of them. `RUNS` sets the timed runs per case (default 10).
//!
//! `FORGE_BENCH_ALEMBIC_DB_<N>` may name a database Alembic built from the
//! same schema (`alembic upgrade head` of the peer's initial migration): it is
//! then diffed too, which checks that Forge reads a schema another tool wrote
//! without reporting phantom changes.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use forge::model::{
    naming, CheckConstraint, Column, ColumnType, ForeignKey, Identity, Index, IndexKey, PrimaryKey,
    Schema, Table, UniqueConstraint,
};
use forge_core::autogenerate::compare;
use forge_core::introspect::postgres::{introspect_with, query, QUERY_COUNT};
use forge_core::introspect::IntrospectOptions;
use forge_core::render::postgres::schema_ddl;
use forge_tests::{TempDir, TestDatabase};
use sqlx::Connection;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100, 1000]
    } else {
        sizes
    };
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(10);
    println!("autogenerate benchmark: introspection + diff, median of {runs} runs (min-max), 1 warm-up run");
    println!("catalog queries per introspection: {QUERY_COUNT} (constant)");
    for n in sizes {
        bench_size(n, runs).await;
    }
}

async fn bench_size(n: usize, runs: usize) {
    let (desired, source) = workload(n);
    let columns: usize = desired.tables.iter().map(|t| t.columns.len()).sum();
    let indexes: usize = desired.tables.iter().map(|t| t.indexes.len()).sum();
    let uniques: usize = desired.tables.iter().map(|t| t.uniques.len()).sum();
    let fks: usize = desired.tables.iter().map(|t| t.foreign_keys.len()).sum();
    println!();
    println!(
        "N={n}: {} tables, {columns} columns, {indexes} indexes, {uniques} unique constraints, {fks} foreign keys ({source})",
        desired.tables.len()
    );

    let live = TestDatabase::create().await;
    let started = Instant::now();
    live.execute(&schema_ddl(&desired)).await;
    println!(
        "  built the schema from Forge's DDL in {}",
        seconds(started.elapsed())
    );
    let empty = TestDatabase::create().await;

    let no_op = measure(&live.url, &desired, &IntrospectOptions::default(), runs).await;
    no_op.print("in sync (no-op)");
    let from_empty = measure(&empty.url, &desired, &IntrospectOptions::default(), runs).await;
    from_empty.print("empty database");

    // The same tables with a CHECK and a default the server spells otherwise.
    let spelled = with_expressions(&desired);
    let settled = TestDatabase::create().await;
    settled.execute(&schema_ddl(&spelled)).await;
    measure(&settled.url, &spelled, &IntrospectOptions::default(), runs)
        .await
        .print("in sync, one CHECK and one default per table settled by the server (no-op)");
    if let Ok(url) = std::env::var(format!("FORGE_BENCH_ALEMBIC_DB_{n}")) {
        let options = IntrospectOptions::default().ignoring("alembic_version");
        measure(&url, &desired, &options, runs)
            .await
            .print("database built by Alembic (no-op)");
    }
}

/// Every table with a CHECK on its first varchar column and a default on it,
/// both written as a model author would and printed otherwise by PostgreSQL.
fn with_expressions(schema: &Schema) -> Schema {
    let mut schema = schema.clone();
    for table in &mut schema.tables {
        let Some(column) = table
            .columns
            .iter_mut()
            .find(|c| matches!(c.column_type, ColumnType::Varchar { .. }))
        else {
            continue;
        };
        column.default = Some("'new'".into());
        let name = column.name.clone();
        table.checks.push(CheckConstraint::new(
            naming::check(&table.name, &name),
            format!("char_length({name}) > 0"),
        ));
    }
    schema
}

/// Timings of one case: a connection is opened once (as a CLI run does), and
/// the raw catalog reads, introspection and autogenerate's comparison
/// repeated on it.
struct Measurement {
    connect: Duration,
    raw: Vec<Duration>,
    introspect: Vec<Duration>,
    total: Vec<Duration>,
    queries: usize,
    rows: usize,
    changes: Vec<forge_core::diff::Change>,
}

async fn measure(
    url: &str,
    desired: &Schema,
    options: &IntrospectOptions,
    runs: usize,
) -> Measurement {
    let started = Instant::now();
    let mut connection = forge_core::database::connect(url, Some("public"))
        .await
        .expect("connect to the benchmark database");
    let connect = started.elapsed();
    let mut m = Measurement {
        connect,
        raw: Vec::new(),
        introspect: Vec::new(),
        total: Vec::new(),
        queries: 0,
        rows: 0,
        changes: Vec::new(),
    };
    for run in 0..=runs {
        let started = Instant::now();
        query::fetch(&mut connection, "public", &[])
            .await
            .expect("catalog reads");
        let raw = started.elapsed();

        let started = Instant::now();
        let read = introspect_with(&mut connection, "public", options)
            .await
            .expect("introspect");
        let introspected = started.elapsed();

        let started = Instant::now();
        let changes = compare(&mut connection, "public", options, desired)
            .await
            .expect("autogenerate's comparison");
        let total = started.elapsed();
        if run == 0 {
            continue; // warm-up
        }
        m.raw.push(raw);
        m.introspect.push(introspected);
        m.total.push(total);
        m.queries = read.stats.queries;
        m.rows = read.stats.rows;
        m.changes = changes;
    }
    let _ = connection.close().await;
    m
}

impl Measurement {
    fn print(&self, case: &str) {
        println!("  {case}:");
        println!("    raw catalog reads               {}", spread(&self.raw));
        println!(
            "    introspection (reads + parse)   {}",
            spread(&self.introspect)
        );
        println!(
            "    autogenerate (introspect + settle + diff) {}",
            spread(&self.total)
        );
        println!(
            "    autogenerate / raw catalog reads  {:.2}x (medians)",
            median(&self.total).as_secs_f64() / median(&self.raw).as_secs_f64()
        );
        println!(
            "    connect (once)                  {}",
            seconds(self.connect)
        );
        println!(
            "    catalog queries {} ({} rows), changes found {}",
            self.queries,
            self.rows,
            self.changes.len()
        );
        let by_kind = count_kinds(&self.changes);
        if !by_kind.is_empty() {
            println!("    changes: {by_kind}");
        }
    }
}

fn count_kinds(changes: &[forge_core::diff::Change]) -> String {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for change in changes {
        let debug = format!("{change:?}");
        let kind = debug
            .split([' ', '{', '('])
            .next()
            .unwrap_or("")
            .to_string();
        *counts.entry(kind).or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    if sorted.len() % 2 == 1 {
        sorted[sorted.len() / 2]
    } else {
        (sorted[sorted.len() / 2 - 1] + sorted[sorted.len() / 2]) / 2
    }
}

fn spread(samples: &[Duration]) -> String {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let median = median(samples);
    format!(
        "{} ({}-{}) x{}",
        seconds(median),
        seconds(sorted[0]),
        seconds(sorted[sorted.len() - 1]),
        sorted.len()
    )
}

fn seconds(d: Duration) -> String {
    format!("{:.4} s", d.as_secs_f64())
}

/// The desired schema for N tables and where it came from.
fn workload(n: usize) -> (Schema, String) {
    match peer_schema(n) {
        Ok(schema) => (
            schema,
            "schema of the Alembic peer's gen.py, seed 1".to_string(),
        ),
        Err(why) => (
            generated_schema(n),
            format!("Rust generator of the same shape; peer not used: {why}"),
        ),
    }
}

fn peer_dir() -> PathBuf {
    std::env::var_os("FORGE_ALEMBIC_PEER")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/peers/alembic"))
}

/// Runs the peer's generator and reads its tool-neutral `schema.json`.
fn peer_schema(n: usize) -> Result<Schema, String> {
    let gen = peer_dir().join("gen.py");
    if !gen.is_file() {
        return Err(format!("{} not found", gen.display()));
    }
    let dir = TempDir::new("forge-bench-peer");
    let output = std::process::Command::new("python3")
        .arg(&gen)
        .args(["project"])
        .arg(dir.path())
        .args(["--tables", &n.to_string(), "--seed", "1"])
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "gen.py failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let text =
        std::fs::read_to_string(dir.path().join("schema.json")).map_err(|e| e.to_string())?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    schema_from_peer(&json)
}

/// The model of the tables SQLModel declares for the peer's schema.json:
/// bigint keys are BIGSERIAL (a serial, as introspection reads it), `str` is
/// varchar(n), `float` double precision, `datetime` timestamptz; PostgreSQL's
/// default constraint names and SQLAlchemy's `ix_<table>_<column>` indexes.
fn schema_from_peer(json: &serde_json::Value) -> Result<Schema, String> {
    let tables = json["tables"]
        .as_array()
        .ok_or("schema.json has no tables")?;
    let mut schema = Schema::default();
    for t in tables {
        let name = t["name"]
            .as_str()
            .ok_or("a table without a name")?
            .to_string();
        let mut table = Table::new(&name);
        let pk = t["pk"].as_str().unwrap_or("bigint");
        table.columns.push(key_column(pk));
        table.primary_key = Some(PrimaryKey {
            name: naming::primary_key(&name),
            columns: vec!["id".into()],
        });
        for c in t["columns"].as_array().ok_or("a table without columns")? {
            let column_name = c["name"]
                .as_str()
                .ok_or("a column without a name")?
                .to_string();
            let kind = c["kind"].as_str().unwrap_or("");
            let column_type = match kind {
                "str" => ColumnType::varchar(c["length"].as_u64().unwrap_or(255) as u32),
                "int" => ColumnType::Integer,
                "float" => ColumnType::Double,
                "bool" => ColumnType::Boolean,
                "datetime" => ColumnType::TIMESTAMPTZ,
                "fk_uuid" => ColumnType::Uuid,
                "fk_bigint" => ColumnType::BigInt,
                other => return Err(format!("unknown column kind {other}")),
            };
            let cols = [column_name.as_str()];
            if c["unique"].as_bool() == Some(true) {
                table.uniques.push(UniqueConstraint::new(
                    naming::unique(&name, &cols),
                    &[column_name.as_str()],
                ));
            }
            if c["index"].as_bool() == Some(true) {
                table
                    .indexes
                    .push(plain_index(naming::index(&name, &cols), &[&column_name]));
            }
            if let Some(target) = c["references"].as_str() {
                table
                    .foreign_keys
                    .push(foreign_key(&name, &column_name, target));
            }
            table.columns.push(Column::new(
                column_name,
                column_type,
                c["nullable"].as_bool() == Some(true),
            ));
        }
        if let Some(composite) = t["composite_index"].as_object() {
            let columns: Vec<&str> = composite["columns"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_str())
                .collect();
            table.indexes.push(plain_index(
                composite["name"].as_str().unwrap_or_default().to_string(),
                &columns,
            ));
        }
        schema.tables.push(table);
    }
    Ok(schema.normalized())
}

fn key_column(kind: &str) -> Column {
    if kind == "uuid" {
        Column::new("id", ColumnType::Uuid, false)
    } else {
        let mut id = Column::new("id", ColumnType::BigInt, false);
        id.identity = Some(Identity::Serial);
        id
    }
}

fn plain_index(name: String, columns: &[&str]) -> Index {
    Index::new(name, columns.iter().map(|c| IndexKey::column(*c)).collect())
}

fn foreign_key(table: &str, column: &str, target: &str) -> ForeignKey {
    ForeignKey::new(
        naming::foreign_key(table, &[column]),
        &[column],
        target,
        &["id"],
    )
}

/// The same shape without the peer: a small deterministic generator (an LCG,
/// so the schema is a pure function of N).
fn generated_schema(n: usize) -> Schema {
    let mut state: u64 = 0x5eed_0000_0000_0001 ^ n as u64;
    let mut next = move |bound: usize| -> usize {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % bound.max(1)
    };
    const POOL: &[(&str, &str)] = &[
        ("name", "str"),
        ("title", "str"),
        ("status", "str"),
        ("city", "str"),
        ("note", "str"),
        ("quantity", "int"),
        ("position", "int"),
        ("rank", "int"),
        ("version", "int"),
        ("ratio", "float"),
        ("price", "float"),
        ("weight", "float"),
        ("active", "bool"),
        ("verified", "bool"),
        ("archived", "bool"),
        ("created_at", "datetime"),
        ("updated_at", "datetime"),
        ("due_at", "datetime"),
    ];
    let mut tables: Vec<Table> = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("table_{i:04}");
        let mut table = Table::new(&name);
        let uuid_key = next(2) == 0;
        table
            .columns
            .push(key_column(if uuid_key { "uuid" } else { "bigint" }));
        table.primary_key = Some(PrimaryKey {
            name: naming::primary_key(&name),
            columns: vec!["id".into()],
        });
        if i > 0 && next(2) == 0 {
            let parent = &tables[next(i)];
            let parent_type = parent.columns[0].column_type.clone();
            let column = format!("{}_id", parent.name);
            table
                .foreign_keys
                .push(foreign_key(&name, &column, &parent.name));
            table
                .columns
                .push(Column::new(column, parent_type, next(2) == 0));
        }
        table
            .columns
            .push(Column::new("code", ColumnType::varchar(64), false));
        table.uniques.push(UniqueConstraint::new(
            naming::unique(&name, &["code"]),
            &["code"],
        ));
        let extra = 6 + next(7) - (table.columns.len() - 1);
        let start = next(POOL.len());
        for k in 0..extra {
            let (column, kind) = POOL[(start + k) % POOL.len()];
            let column_type = match kind {
                "str" => ColumnType::varchar(50 + 10 * next(10) as u32),
                "int" => ColumnType::Integer,
                "float" => ColumnType::Double,
                "bool" => ColumnType::Boolean,
                _ => ColumnType::TIMESTAMPTZ,
            };
            table
                .columns
                .push(Column::new(column, column_type, next(3) == 0));
        }
        let last = table.columns.last().expect("columns").name.clone();
        table
            .indexes
            .push(plain_index(naming::index(&name, &[&last]), &[&last]));
        if next(4) == 0 {
            let other = table.columns[table.columns.len() - 2].name.clone();
            table.indexes.push(plain_index(
                naming::index(&name, &[&other, &last]),
                &[&other, &last],
            ));
        }
        tables.push(table);
    }
    Schema {
        tables,
        ..Schema::default()
    }
    .normalized()
}
