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
    settlement.round_trips += query::QUERY_COUNT + 1;
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
        if column.identity.is_none() && differs(&column.default, &l.default) {
            items.push(Item::Default(column));
        }
        if differs(&column.generated, &l.generated) {
            items.push(Item::Generated(column));
        }
    }
    for check in &desired.checks {
        let Some(l) = live.checks.iter().find(|c| c.name == check.name) else {
            continue;
        };
        if !expression::same(&check.expression, &l.expression) {
            items.push(Item::Check(check));
        }
    }
    for index in &desired.indexes {
        let Some(l) = live.indexes.iter().find(|i| i.name == index.name) else {
            continue;
        };
        let predicate = differs(&index.predicate, &l.predicate);
        let keys = index.keys.len() == l.keys.len()
            && index.keys.iter().zip(&l.keys).any(|(d, l)| {
                matches!((&d.target, &l.target), (KeyTarget::Expression(a), KeyTarget::Expression(b)) if !expression::same(a, b))
            });
        if predicate || keys {
            items.push(Item::Index(index));
        }
    }
    items
}

/// The statements that create `table`'s copy `temp` with the items: the
/// plain columns first, then each item on its own (so one that fails can be
/// left out without losing the others).
fn settle_ddl(
    table: &Table,
    temp: &str,
    items: &[Item],
    live_enums: &[String],
) -> (String, Vec<String>) {
    let columns: Vec<String> = table
        .columns
        .iter()
        .filter(|c| c.generated.is_none())
        .map(|c| {
            // A column of an enum the database does not have yet cannot be
            // created; expressions over it are compared as text.
            let column_type = match c.column_type.enum_name() {
                Some(name) if !live_enums.iter().any(|e| e == name) => "text".to_string(),
                _ => c.column_type.to_string(),
            };
            let mut sql = format!("{} {column_type}", ident(&c.name));
            if let Some(collation) = &c.collation {
                sql.push_str(&format!(" COLLATE {}", ident(collation)));
            }
            sql
        })
        .collect();
    let create = format!(
        "CREATE TEMP TABLE {} ({});",
        ident(temp),
        columns.join(", ")
    );
    let table_sql = ident(temp);
    let mut statements = Vec::new();
    for (i, item) in items.iter().enumerate() {
        statements.push(match item {
            Item::Default(c) => format!(
                "ALTER TABLE {table_sql} ALTER COLUMN {} SET DEFAULT {};",
                ident(&c.name),
                c.default.as_deref().unwrap_or("NULL")
            ),
            Item::Generated(c) => format!(
                "ALTER TABLE {table_sql} ADD COLUMN {} {} GENERATED ALWAYS AS ({}) STORED;",
                ident(&c.name),
                c.column_type,
                c.generated.as_deref().unwrap_or("NULL")
            ),
            Item::Check(check) => format!(
                "ALTER TABLE {table_sql} ADD CONSTRAINT {} CHECK ({});",
                ident(&check.name),
                check.expression
            ),
            Item::Index(index) => {
                let keys: Vec<String> = index.keys.iter().map(index_key).collect();
                let mut sql = format!(
                    "CREATE INDEX {} ON {table_sql}{} ({})",
                    ident(&format!("{temp}_{i}")),
                    index
                        .method
                        .as_deref()
                        .map(|m| format!(" USING {m}"))
                        .unwrap_or_default(),
                    keys.join(", ")
                );
                if let Some(predicate) = &index.predicate {
                    sql.push_str(&format!(" WHERE {predicate}"));
                }
                sql.push(';');
                sql
            }
        });
    }
    (create, statements)
}

/// One table's temporary copy: its name, the statements that build it, and
/// `original\0temporary` pairs of its index names.
struct Plan {
    name: TableName,
    temp: String,
    create: String,
    statements: Vec<String>,
    index_names: Vec<String>,
}

async fn settle_expressions(
    conn: &mut PgConnection,
    schema_name: &str,
    settlement: &mut Settlement,
    live: &Schema,
) -> Result<(), SettleError> {
    let live_enums: Vec<String> = live.enums.iter().map(|e| e.name.clone()).collect();
    // Temporary tables live in one schema: each gets a name of its own, and
    // its indexes names derived from it.
    let mut plans: Vec<Plan> = Vec::new();
    for table in &settlement.desired.tables {
        let name = table.qualified_name();
        let Some(live_table) = live.table_named(&name) else {
            continue;
        };
        let items = unsettled_items(table, live_table);
        if items.is_empty() {
            continue;
        }
        let temp = format!("forge_settle_{}", plans.len());
        let index_names: Vec<String> = items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item {
                Item::Index(index) => Some(format!("{}\u{0}{temp}_{i}", index.name)),
                _ => None,
            })
            .collect();
        let (create, statements) = settle_ddl(table, &temp, &items, &live_enums);
        plans.push(Plan {
            name,
            temp,
            create,
            statements,
            index_names,
        });
    }
    if plans.is_empty() {
        return Ok(());
    }

    let mut tx = begin(conn).await?;
    let batch: String = plans
        .iter()
        .flat_map(|plan| std::iter::once(&plan.create).chain(&plan.statements))
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    settlement.round_trips += 1;
    if let Err(err) = sqlx::raw_sql(&batch).execute(&mut *tx).await {
        if let Some(refused) = refused(&err) {
            return Err(refused);
        }
        // Something does not build (a function that does not exist yet, a
        // value of an enum label being added...): each statement on its own,
        // keeping what builds.
        tx.rollback().await.map_err(SettleError::Server)?;
        tx = begin(conn).await?;
        for plan in &plans {
            if !try_statement(&mut tx, &plan.create, &mut settlement.round_trips).await? {
                continue;
            }
            for statement in &plan.statements {
                try_statement(&mut tx, statement, &mut settlement.round_trips).await?;
            }
        }
    }
    let read = read_temp(&mut tx, schema_name).await?;
    settlement.round_trips += query::QUERY_COUNT + 1;
    tx.rollback().await.map_err(SettleError::Server)?;

    for Plan {
        name,
        temp,
        index_names,
        ..
    } in plans
    {
        let Some(mut table) = read.tables.iter().find(|t| t.name == temp).cloned() else {
            continue;
        };
        table.schema = name.schema.clone();
        table.name = name.name.clone();
        for index in &mut table.indexes {
            if let Some(original) = index_names.iter().find_map(|pair| {
                let (original, temp_name) = pair.split_once('\u{0}')?;
                (temp_name == index.name).then(|| original.to_string())
            }) {
                index.name = original;
            }
        }
        settlement.settled.tables.push(table);
    }
    settlement.settled.normalize();
    Ok(())
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
        other_schemas: Vec::new(),
    };
    // The temporary tables' columns use the enums of the default schema.
    Ok(parse_schema_in(rows, &temp_schema, schema_name, &options))
}
