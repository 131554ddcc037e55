//! The models as PostgreSQL would store them (Atlas's dev-database idea, on
//! the database itself): what text comparison cannot settle — a type Forge
//! keeps verbatim, an expression spelled otherwise than the server prints it —
//! is created as temporary tables inside a transaction that is rolled back,
//! and read back with the introspection queries. Nothing is left behind, and
//! the answer is PostgreSQL's own: `price > 0` on a double column is
//! `price > 0::double precision` exactly when the server says so.
//!
//! Only what differs from the live database by its text is sent, so a
//! database in sync with models spelled the way the server prints them costs
//! no round trip at all.

use std::collections::BTreeMap;

use sqlx::{Connection, PgConnection};

use super::parser::parse_schema_in;
use super::query;
use crate::diff::rename_identifier;
use crate::introspect::{IntrospectError, IntrospectOptions};
use crate::model::{expression, Column, ColumnType, Index, KeyTarget, Schema, Table, TableName};
use crate::render::postgres::{ident, index_key};

/// What settling found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settlement {
    /// The models with every verbatim type in PostgreSQL's spelling (and
    /// mapped to the model's own type when it is one: `int4` is `integer`).
    pub desired: Schema,
    /// The tables whose expressions were sent, as the server prints them
    /// (same names as the models).
    pub settled: Schema,
    /// Round trips to the server (0 when nothing needed settling).
    pub round_trips: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    #[error("column `{table}.{column}` has type `{sql}`, which PostgreSQL does not know: {reason}; create the type first (CREATE EXTENSION or CREATE DOMAIN, in a migration of its own) or fix `sql_type`")]
    UnknownType {
        table: TableName,
        column: String,
        sql: String,
        reason: String,
    },
    #[error("comparing the models with the database needs temporary tables (created in a transaction that is rolled back), and the server refused one: {reason}; GRANT TEMPORARY ON DATABASE to this user, or run against the primary rather than a read-only replica")]
    TemporaryTablesRefused { reason: String },
    #[error(transparent)]
    Introspect(#[from] IntrospectError),
    #[error("settling the models' types and expressions with the server failed: {0}; check that the connection is alive and the user may create temporary tables")]
    Server(#[source] sqlx::Error),
}

/// Why the server refused a statement, when the cause is this session (no
/// TEMPORARY privilege, a read-only transaction or replica) rather than the
/// statement: then nothing can be settled, and saying so beats a diff of
/// spellings.
fn refused(err: &sqlx::Error) -> Option<SettleError> {
    let sqlx::Error::Database(db) = err else {
        return None;
    };
    // 42501 insufficient_privilege, 25006 read_only_sql_transaction.
    matches!(db.code().as_deref(), Some("42501" | "25006")).then(|| {
        SettleError::TemporaryTablesRefused {
            reason: db.message().to_string(),
        }
    })
}

/// A transaction that may create temporary tables even in a session that
/// defaults to read-only (`verify` sets that): everything in it is rolled
/// back, so it writes nothing.
async fn begin(
    conn: &mut PgConnection,
) -> Result<sqlx::Transaction<'_, sqlx::Postgres>, SettleError> {
    let mut tx = conn.begin().await.map_err(SettleError::Server)?;
    if let Err(err) = sqlx::raw_sql("SET TRANSACTION READ WRITE")
        .execute(&mut *tx)
        .await
    {
        return Err(refused(&err).unwrap_or(SettleError::Server(err)));
    }
    Ok(tx)
}

/// Settles `desired` against `live` (the database's schema `schema_name`, as
/// introspected, after the renames the models ask for).
pub async fn settle(
    conn: &mut PgConnection,
    schema_name: &str,
    desired: &Schema,
    live: &Schema,
) -> Result<Settlement, SettleError> {
    let mut settlement = Settlement {
        desired: desired.clone(),
        ..Settlement::default()
    };
    settle_types(conn, schema_name, &mut settlement, live).await?;
    settle_expressions(conn, schema_name, &mut settlement, live).await?;
    Ok(settlement)
}

/// Every verbatim type of the models that the live column does not already
/// spell the same way, each once.
fn unsettled_types(desired: &Schema, live: &Schema) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for table in &desired.tables {
        let live_table = live.table_named(&table.qualified_name());
        for column in &table.columns {
            let Some(sql) = verbatim(&column.column_type) else {
                continue;
            };
            let same_live = live_table
                .and_then(|t| t.column(&column.name))
                .is_some_and(|c| c.column_type == column.column_type);
            if !same_live && !out.contains(&sql) {
                out.push(sql);
            }
        }
    }
    out
}

/// The spelling of a type Forge keeps verbatim (itself or as an array's element).
fn verbatim(column_type: &ColumnType) -> Option<String> {
    match column_type {
        ColumnType::Custom { .. } => Some(column_type.to_string()),
        ColumnType::Array { element } => verbatim(element).map(|_| column_type.to_string()),
        _ => None,
    }
}

async fn settle_types(
    conn: &mut PgConnection,
    schema_name: &str,
    settlement: &mut Settlement,
    live: &Schema,
) -> Result<(), SettleError> {
    let types = unsettled_types(&settlement.desired, live);
    if types.is_empty() {
        return Ok(());
    }
    let columns: Vec<String> = types
        .iter()
        .enumerate()
        .map(|(i, sql)| format!("{} {sql}", ident(&format!("t{i}"))))
        .collect();
    let ddl = format!(
        "CREATE TEMP TABLE \"forge_settle_types\" ({});",
        columns.join(", ")
    );
    let mut tx = begin(conn).await?;
    settlement.round_trips += 1;
    if let Err(err) = sqlx::raw_sql(&ddl).execute(&mut *tx).await {
        drop(tx);
        if let Some(refused) = refused(&err) {
            return Err(refused);
        }
        return Err(unknown_type(conn, &settlement.desired, &types, err).await);
    }
    let read = read_temp(&mut tx, schema_name).await?;
    settlement.round_trips += query::TABLE_QUERY_COUNT + 1;
    tx.rollback().await.map_err(SettleError::Server)?;
    let stored: BTreeMap<String, ColumnType> = read
        .tables
        .iter()
        .filter(|t| t.name == "forge_settle_types")
        .flat_map(|t| &t.columns)
        .filter_map(|c| {
            let i: usize = c.name.strip_prefix('t')?.parse().ok()?;
            Some((types.get(i)?.clone(), c.column_type.clone()))
        })
        .collect();
    for table in &mut settlement.desired.tables {
        for column in &mut table.columns {
            if let Some(stored) = verbatim(&column.column_type).and_then(|sql| stored.get(&sql)) {
                column.column_type = stored.clone();
            }
        }
    }
    Ok(())
}

/// The first type the server refuses, tried one at a time, as an error that
/// names a column using it.
async fn unknown_type(
    conn: &mut PgConnection,
    desired: &Schema,
    types: &[String],
    batch_error: sqlx::Error,
) -> SettleError {
    for sql in types {
        let ddl = format!("CREATE TEMP TABLE \"forge_settle_type\" (t {sql});");
        let result = async {
            let mut tx = conn.begin().await?;
            sqlx::raw_sql("SET TRANSACTION READ WRITE")
                .execute(&mut *tx)
                .await?;
            let outcome = sqlx::raw_sql(&ddl).execute(&mut *tx).await;
            tx.rollback().await?;
            outcome
        }
        .await;
        if let Err(err) = result {
            let reason = match &err {
                sqlx::Error::Database(db) => db.message().to_string(),
                other => other.to_string(),
            };
            let (table, column) = desired
                .tables
                .iter()
                .find_map(|t| {
                    t.columns
                        .iter()
                        .find(|c| verbatim(&c.column_type).as_deref() == Some(sql))
                        .map(|c| (t.qualified_name(), c.name.clone()))
                })
                .unwrap_or_else(|| (TableName::bare("?"), "?".to_string()));
            return SettleError::UnknownType {
                table,
                column,
                sql: sql.clone(),
                reason,
            };
        }
    }
    SettleError::Server(batch_error)
}

/// One item of a table whose expression needs the server.
enum Item<'a> {
    Default(&'a Column),
    Generated(&'a Column),
    Check(&'a crate::model::CheckConstraint),
    Index(&'a Index),
}

/// The expressions of `desired` whose key differs from the live one of the
/// same name (a new object needs no comparison).
fn unsettled_items<'a>(desired: &'a Table, live: &Table) -> Vec<Item<'a>> {
    let differs = |d: &Option<String>, l: &Option<String>| match (d, l) {
        (Some(d), Some(l)) => !expression::same(d, l),
        _ => false,
    };
    let mut items = Vec::new();
    for column in &desired.columns {
        let Some(l) = live.column(&column.name) else {
            continue;
        };
        let literal_cast = match (&column.default, &l.default) {
            (Some(d), Some(l)) => expression::same_default(d, l),
            _ => false,
        };
        if column.identity.is_none() && !literal_cast && differs(&column.default, &l.default) {
            items.push(Item::Default(column));
        }
        if differs(&column.generated, &l.generated) {
            items.push(Item::Generated(column));
        }
    }
    // A check or index of another name may be this one renamed (the table
    // was): it is compared with those the models no longer name.
    let orphan_checks: Vec<&crate::model::CheckConstraint> = live
        .checks
        .iter()
        .filter(|l| !desired.checks.iter().any(|d| d.name == l.name))
        .collect();
    for check in &desired.checks {
        let counterparts: Vec<&crate::model::CheckConstraint> =
            match live.checks.iter().find(|c| c.name == check.name) {
                Some(l) => vec![l],
                None => orphan_checks.clone(),
            };
        if counterparts
            .iter()
            .any(|l| !expression::same(&check.expression, &l.expression))
        {
            items.push(Item::Check(check));
        }
    }
    let orphan_indexes: Vec<&Index> = live
        .indexes
        .iter()
        .filter(|l| !desired.indexes.iter().any(|d| d.name == l.name))
        .collect();
    for index in &desired.indexes {
        let counterparts: Vec<&Index> = match live.indexes.iter().find(|i| i.name == index.name) {
            Some(l) => vec![l],
            None => orphan_indexes.clone(),
        };
        let differs_from = |l: &Index| {
            differs(&index.predicate, &l.predicate)
                || (index.keys.len() == l.keys.len()
                    && index.keys.iter().zip(&l.keys).any(|(d, l)| {
                        matches!((&d.target, &l.target), (KeyTarget::Expression(a), KeyTarget::Expression(b)) if !expression::same(a, b))
                    }))
        };
        if counterparts.iter().any(|l| differs_from(l)) {
            items.push(Item::Index(index));
        }
    }
    items
}

/// The columns of `table` an item's expressions mention (the others cannot
/// change how the server prints them).
fn mentioned<'a>(table: &'a Table, item: &Item) -> Vec<&'a Column> {
    let mentions = |e: &str, c: &Column| expression::mentions(e, &c.name);
    table
        .columns
        .iter()
        .filter(|c| c.generated.is_none())
        .filter(|c| match item {
            Item::Default(_) => false,
            Item::Generated(g) => g.generated.as_deref().is_some_and(|e| mentions(e, c)),
            Item::Check(check) => mentions(&check.expression, c),
            Item::Index(index) => {
                index.predicate.as_deref().is_some_and(|e| mentions(e, c))
                    || index.keys.iter().any(|k| match &k.target {
                        KeyTarget::Column(name) => *name == c.name,
                        KeyTarget::Expression(e) => mentions(e, c),
                    })
            }
        })
        .collect()
}

/// One expression sent to the server. Its columns get names of their own
/// (`p<n>_<k>`), so the probes of every table share a few temporary tables
/// (a table per probe costs four times as much): the expression is
/// rewritten to those names on the way in, and back on the way out.
struct Probe<'a> {
    table: TableName,
    item: Item<'a>,
    /// (the model's column name, the probe's) for each column it mentions.
    columns: Vec<(String, String)>,
    /// The probe's object: `p<n>` (constraint, index), `p<n>_v` (column).
    name: String,
    /// Column definitions and table clauses, in the probe's names.
    clauses: Vec<String>,
    /// A statement once the table exists (an index), naming it `{table}`.
    statement: Option<String>,
}

/// The column type as the temporary table can spell it: an enum the
/// database does not have yet reads as text (expressions over it are then
/// compared as text, which errs on the side of a change).
fn temp_type(column: &Column, live_enums: &[String]) -> String {
    match column.column_type.enum_name() {
        Some(name) if !live_enums.iter().any(|e| e == name) => "text".to_string(),
        _ => column.column_type.to_string(),
    }
}

fn probe<'a>(n: usize, table: &'a Table, item: Item<'a>, live_enums: &[String]) -> Probe<'a> {
    let name = format!("p{n}");
    let columns: Vec<(String, String)> = mentioned(table, &item)
        .iter()
        .enumerate()
        .map(|(k, c)| (c.name.clone(), format!("p{n}_{k}")))
        .collect();
    let renamed = |e: &str| {
        columns.iter().fold(e.to_string(), |e, (from, to)| {
            rename_identifier(&e, from, to)
        })
    };
    let column_def = |c: &Column, as_name: &str| {
        let mut sql = format!("{} {}", ident(as_name), temp_type(c, live_enums));
        if let Some(collation) = &c.collation {
            sql.push_str(&format!(" COLLATE {}", ident(collation)));
        }
        sql
    };
    let mut clauses: Vec<String> = columns
        .iter()
        .filter_map(|(from, to)| Some(column_def(table.column(from)?, to)))
        .collect();
    let mut statement = None;
    match &item {
        Item::Default(c) => clauses.push(format!(
            "{} DEFAULT {}",
            column_def(c, &format!("{name}_v")),
            c.default.as_deref().unwrap_or("NULL")
        )),
        Item::Generated(c) => clauses.push(format!(
            "{} GENERATED ALWAYS AS ({}) STORED",
            column_def(c, &format!("{name}_v")),
            renamed(c.generated.as_deref().unwrap_or("NULL"))
        )),
        Item::Check(check) => clauses.push(format!(
            "CONSTRAINT {} CHECK ({})",
            ident(&name),
            renamed(&check.expression)
        )),
        Item::Index(index) => {
            let keys: Vec<String> = index
                .keys
                .iter()
                .map(|key| {
                    let mut key = key.clone();
                    key.target = match &key.target {
                        KeyTarget::Column(c) => KeyTarget::Column(
                            columns
                                .iter()
                                .find(|(from, _)| from == c)
                                .map_or(c.clone(), |(_, to)| to.clone()),
                        ),
                        KeyTarget::Expression(e) => KeyTarget::Expression(renamed(e)),
                    };
                    index_key(&key)
                })
                .collect();
            let mut sql = format!(
                "CREATE INDEX {} ON {{table}}{} ({})",
                ident(&name),
                index
                    .method
                    .as_deref()
                    .map(|m| format!(" USING {m}"))
                    .unwrap_or_default(),
                keys.join(", ")
            );
            if let Some(predicate) = &index.predicate {
                sql.push_str(&format!(" WHERE {}", renamed(predicate)));
            }
            sql.push(';');
            statement = Some(sql);
        }
    }
    Probe {
        table: table.qualified_name(),
        item,
        columns,
        name,
        clauses,
        statement,
    }
}

/// The printed expression with the probe's column names back to the model's.
fn unrenamed(probe: &Probe, printed: &str) -> String {
    probe
        .columns
        .iter()
        .fold(printed.to_string(), |e, (from, to)| {
            rename_identifier(&e, to, from)
        })
}

/// The statements that create temporary table `temp` holding `probes`.
fn create(temp: &str, probes: &[&Probe]) -> String {
    let clauses: Vec<&str> = probes
        .iter()
        .flat_map(|p| &p.clauses)
        .map(String::as_str)
        .collect();
    let mut sql = format!(
        "CREATE TEMP TABLE {} ({});",
        ident(temp),
        clauses.join(", ")
    );
    for statement in probes.iter().filter_map(|p| p.statement.as_ref()) {
        sql.push('\n');
        sql.push_str(&statement.replace("{table}", &ident(temp)));
    }
    sql
}

/// Columns of one temporary table. Printing a CHECK builds a context of
/// every column of its table, so wide tables make reading the probes back
/// quadratic (1,000 checks over 1,000 columns: 0.66 s); a table per probe
/// costs more to create. Fifty is far from both.
const COLUMNS_PER_TABLE: usize = 50;

async fn settle_expressions(
    conn: &mut PgConnection,
    schema_name: &str,
    settlement: &mut Settlement,
    live: &Schema,
) -> Result<(), SettleError> {
    let live_enums: Vec<String> = live.enums.iter().map(|e| e.name.clone()).collect();
    let desired = settlement.desired.clone();
    // Probes in temporary tables of up to COLUMNS_PER_TABLE columns each.
    let mut tables: Vec<(String, Vec<Probe>)> = Vec::new();
    let mut width = 0;
    let mut n = 0;
    for table in &desired.tables {
        let Some(live_table) = live.table_named(&table.qualified_name()) else {
            continue;
        };
        for item in unsettled_items(table, live_table) {
            if tables.is_empty() || width >= COLUMNS_PER_TABLE {
                tables.push((format!("forge_settle_{}", tables.len()), Vec::new()));
                width = 0;
            }
            let probe = probe(n, table, item, &live_enums);
            n += 1;
            width += probe.columns.len() + 1;
            tables
                .last_mut()
                .expect("a table was just pushed")
                .1
                .push(probe);
        }
    }
    if tables.is_empty() {
        return Ok(());
    }

    let mut tx = begin(conn).await?;
    let batch: String = tables
        .iter()
        .map(|(temp, probes)| create(temp, &probes.iter().collect::<Vec<_>>()))
        .collect::<Vec<_>>()
        .join("\n");
    settlement.round_trips += 1;
    // The temporary table each probe ended up in (none: it did not build).
    let mut homes: Vec<Option<String>> = Vec::new();
    match sqlx::raw_sql(&batch).execute(&mut *tx).await {
        Ok(_) => {
            for (temp, probes) in &tables {
                homes.extend(probes.iter().map(|_| Some(temp.clone())));
            }
        }
        Err(err) => {
            if let Some(refused) = refused(&err) {
                return Err(refused);
            }
            // Some expression does not build (a function that does not exist
            // yet, an enum label being added...): each probe in a table of its
            // own, keeping those that build.
            tx.rollback().await.map_err(SettleError::Server)?;
            tx = begin(conn).await?;
            for (temp, probes) in &tables {
                for probe in probes {
                    let own = format!("{temp}_{}", probe.name);
                    let built = try_statement(
                        &mut tx,
                        &create(&own, &[probe]),
                        &mut settlement.round_trips,
                    )
                    .await?;
                    homes.push(built.then_some(own));
                }
            }
        }
    }
    let read = read_temp(&mut tx, schema_name).await?;
    settlement.round_trips += query::TABLE_QUERY_COUNT + 1;
    tx.rollback().await.map_err(SettleError::Server)?;

    let probes = tables.iter().flat_map(|(_, probes)| probes);
    for (probe, home) in probes.zip(&homes) {
        let Some(temp) = home
            .as_ref()
            .and_then(|home| read.tables.iter().find(|t| t.name == *home))
        else {
            continue;
        };
        record(&mut settlement.settled, probe, temp);
    }
    settlement.settled.normalize();
    Ok(())
}

/// What the server printed for `probe` (read from its temporary table
/// `temp`), under the model's names, into the settled schema.
fn record(settled: &mut Schema, probe: &Probe, temp: &Table) {
    let table = settled_table(settled, &probe.table);
    let value = format!("{}_v", probe.name);
    match &probe.item {
        Item::Default(c) => {
            if let Some(printed) = temp.column(&value).and_then(|v| v.default.clone()) {
                settled_column(table, &c.name).default = Some(printed);
            }
        }
        Item::Generated(c) => {
            if let Some(printed) = temp.column(&value).and_then(|v| v.generated.clone()) {
                settled_column(table, &c.name).generated = Some(unrenamed(probe, &printed));
            }
        }
        Item::Check(check) => {
            if let Some(printed) = temp.checks.iter().find(|c| c.name == probe.name) {
                table.checks.push(crate::model::CheckConstraint::new(
                    check.name.clone(),
                    unrenamed(probe, &printed.expression),
                ));
            }
        }
        Item::Index(index) => {
            if let Some(printed) = temp.indexes.iter().find(|i| i.name == probe.name) {
                let mut printed = printed.clone();
                printed.name = index.name.clone();
                printed.predicate = printed.predicate.map(|p| unrenamed(probe, &p));
                for key in &mut printed.keys {
                    key.target = match &key.target {
                        KeyTarget::Column(c) => KeyTarget::Column(
                            probe
                                .columns
                                .iter()
                                .find(|(_, to)| to == c)
                                .map_or(c.clone(), |(from, _)| from.clone()),
                        ),
                        KeyTarget::Expression(e) => KeyTarget::Expression(unrenamed(probe, e)),
                    };
                }
                table.indexes.push(printed);
            }
        }
    }
}

/// The settled copy of table `name`, created empty on first use.
fn settled_table<'s>(settled: &'s mut Schema, name: &TableName) -> &'s mut Table {
    let at = match settled
        .tables
        .iter()
        .position(|t| t.qualified_name() == *name)
    {
        Some(at) => at,
        None => {
            let mut table = Table::new(name.name.clone());
            table.schema = name.schema.clone();
            settled.tables.push(table);
            settled.tables.len() - 1
        }
    };
    &mut settled.tables[at]
}

/// The settled copy of column `name` (its type does not matter: only its
/// printed default or expression is looked at).
fn settled_column<'t>(table: &'t mut Table, name: &str) -> &'t mut Column {
    let at = match table.columns.iter().position(|c| c.name == name) {
        Some(at) => at,
        None => {
            table
                .columns
                .push(Column::new(name, ColumnType::Text, true));
            table.columns.len() - 1
        }
    };
    &mut table.columns[at]
}

/// Runs `sql` inside a savepoint; `false` (and the savepoint rolled back) when
/// the server refuses it.
async fn try_statement(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    sql: &str,
    round_trips: &mut usize,
) -> Result<bool, SettleError> {
    *round_trips += 1;
    let wrapped = format!("SAVEPOINT forge_settle; {sql} RELEASE SAVEPOINT forge_settle;");
    match sqlx::raw_sql(&wrapped).execute(&mut **tx).await {
        Ok(_) => Ok(true),
        Err(_) => {
            *round_trips += 1;
            sqlx::raw_sql("ROLLBACK TO SAVEPOINT forge_settle; RELEASE SAVEPOINT forge_settle;")
                .execute(&mut **tx)
                .await
                .map_err(SettleError::Server)?;
            Ok(false)
        }
    }
}

/// The temporary tables of this session, read as introspection reads a schema.
async fn read_temp(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    schema_name: &str,
) -> Result<Schema, SettleError> {
    let temp_schema: String = sqlx::query_scalar("SELECT pg_my_temp_schema()::regnamespace::text")
        .fetch_one(&mut **tx)
        .await
        .map_err(SettleError::Server)?;
    let rows = query::fetch(tx, &temp_schema, &[])
        .await?
        .unwrap_or_default();
    let options = IntrospectOptions {
        ignored_tables: Vec::new(),
        ..IntrospectOptions::default().without_unmanaged()
    };
    // The temporary tables' columns use the enums of the default schema.
    Ok(parse_schema_in(rows, &temp_schema, schema_name, &options))
}
