//! The catalog SQL: one query per kind of object, each over the whole schema
//! (never per table), and the plain rows they return.
//!
//! Everything is resolved to names inside PostgreSQL (column numbers to
//! column names, key positions to index keys), so the parser needs no oids.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::introspect::IntrospectError;

/// Every query takes one parameter, `$1`: the schemas to read, the default
/// one first, then the others the models name.
///
/// Tables of the schemas read, with their comments. Returns one row with a NULL
/// table for a schema that exists but is empty, and no row for a schema that
/// does not exist, so the existence check costs no extra query. Partitions
/// (children) and tables that belong to an extension are left out.
pub const TABLES: &str = r#"
SELECT n.nspname::text AS schema_name,
       c.relname::text AS table_name,
       ds.description AS comment
FROM pg_namespace n
LEFT JOIN pg_class c
       ON c.relnamespace = n.oid
      AND c.relkind IN ('r', 'p')
      AND NOT c.relispartition
      AND NOT EXISTS (SELECT 1 FROM pg_depend dep
                      WHERE dep.classid = 'pg_class'::regclass AND dep.objid = c.oid AND dep.deptype = 'e')
LEFT JOIN pg_description ds
       ON ds.classoid = 'pg_class'::regclass AND ds.objoid = c.oid AND ds.objsubid = 0
WHERE n.nspname = ANY ($1)
ORDER BY n.nspname, c.relname
"#;

/// Columns of every table (and partitioned table) of the schemas, in ordinal
/// order, with the sequence behind a serial or identity column.
pub const COLUMNS: &str = r#"
SELECT n.nspname::text AS table_schema,
       c.relname::text AS table_name,
       a.attname::text AS column_name,
       a.attnum AS position,
       t.typname::text AS type_name,
       t.typtype::text AS type_kind,
       tn.nspname::text AS type_schema,
       et.typname::text AS element_name,
       et.typtype::text AS element_kind,
       etn.nspname::text AS element_schema,
       a.atttypmod AS type_modifier,
       format_type(a.atttypid, a.atttypmod) AS formatted_type,
       a.attnotnull AS not_null,
       -- A default cannot refer to a column, so no relation is needed to
       -- deparse it (opening one per default is the costly part); a generated
       -- column's expression can, and is deparsed with its table.
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, 0) END AS default_expression,
       CASE WHEN a.attgenerated = 's' THEN pg_get_expr(d.adbin, d.adrelid) END AS generated_expression,
       a.attidentity::text AS identity,
       -- A collation other than the type's own default.
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname::text END AS collation,
       sq.relname::text AS sequence_name,
       sq.deptype::text AS sequence_dependency,
       sq.seqstart AS sequence_start,
       sq.seqincrement AS sequence_increment,
       sq.seqmin AS sequence_min,
       sq.seqmax AS sequence_max,
       sq.seqcache AS sequence_cache,
       sq.seqcycle AS sequence_cycle,
       ds.description AS comment
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_namespace tn ON tn.oid = t.typnamespace
LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typlen = -1 AND t.typelem <> 0
LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace
LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
-- 'a': a serial's sequence (owned by the column); 'i': an identity's.
LEFT JOIN (SELECT dep.refobjid, dep.refobjsubid, dep.deptype, s.relname, seq.*
           FROM pg_depend dep
           JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
           JOIN pg_sequence seq ON seq.seqrelid = s.oid
           WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
             AND dep.deptype IN ('a', 'i')) sq
       ON sq.refobjid = a.attrelid AND sq.refobjsubid = a.attnum
LEFT JOIN pg_description ds
       ON ds.classoid = 'pg_class'::regclass AND ds.objoid = a.attrelid AND ds.objsubid = a.attnum
WHERE n.nspname = ANY ($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY n.nspname, c.relname, a.attnum
"#;

/// Primary keys, unique, foreign key and check constraints, with their column
/// numbers in key order (resolved to names by the parser: a subquery per
/// constraint would cost more than the rest of the query).
pub const CONSTRAINTS: &str = r#"
SELECT n.nspname::text AS table_schema,
       c.relname::text AS table_name,
       con.conname::text AS name,
       con.contype::text AS kind,
       con.conkey AS column_numbers,
       rn.nspname::text AS referenced_schema,
       rc.relname::text AS referenced_table,
       con.confkey AS referenced_column_numbers,
       -- Column numbers are resolved against the columns query; only a table
       -- of a schema not read needs its names read here.
       CASE WHEN NOT (rn.nspname = ANY ($1)) THEN
           ARRAY(SELECT a.attname::text
                 FROM unnest(con.confkey) WITH ORDINALITY AS k(num, ord)
                 JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
                 ORDER BY k.ord)
       END AS referenced_columns_elsewhere,
       con.confupdtype::text AS on_update,
       con.confdeltype::text AS on_delete,
       con.confmatchtype::text AS match_type,
       con.condeferrable AS deferrable,
       con.condeferred AS deferred,
       con.convalidated AS validated,
       CASE WHEN con.contype = 'u' THEN {NULLS_NOT_DISTINCT} ELSE false END AS nulls_not_distinct,
       CASE WHEN con.contype = 'c' THEN pg_get_constraintdef(con.oid, true) ELSE '' END AS definition
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN pg_index ci ON ci.indexrelid = con.conindid AND con.contype = 'u'
WHERE n.nspname = ANY ($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND con.contype IN ('p', 'u', 'f', 'c')
  -- A foreign key to a partitioned table has internal clones, one per
  -- partition, under the same name: only the constraint itself is read.
  AND con.conparentid = 0
ORDER BY n.nspname, c.relname, con.conname
"#;

/// Indexes that back no constraint (a primary key's or unique constraint's
/// index is the constraint, not an index of its own). For each key position:
/// the column number (0 for an expression), its options (bit 1: DESC, bit 2:
/// NULLS FIRST), its operator class when not the type's default, and, when
/// the index has expression keys, what PostgreSQL prints for them.
pub const INDEXES: &str = r#"
SELECT n.nspname::text AS table_schema,
       t.relname::text AS table_name,
       ic.relname::text AS name,
       i.indisunique AS is_unique,
       {NULLS_NOT_DISTINCT} AS nulls_not_distinct,
       am.amname::text AS method,
       pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       -- Key columns first, INCLUDE columns after them; a slice starts at 1.
       (i.indkey::int2[])[0:i.indnkeyatts - 1] AS key_numbers,
       (i.indkey::int2[])[i.indnkeyatts:i.indnatts - 1] AS include_numbers,
       (i.indoption::int2[])[0:i.indnkeyatts - 1] AS key_options,
       -- Operator class names, only for an index that uses a non-default one
       -- (the set of those is read once per query, not per index).
       CASE WHEN (i.indclass::oid[]) && (SELECT array_agg(oid) FROM pg_opclass WHERE NOT opcdefault) THEN
           -- Qualified when the search_path does not reach it (an extension's
           -- opclass in another schema), as it must be written to be found.
           ARRAY(SELECT CASE WHEN o.opcdefault THEN ''
                             WHEN pg_opclass_is_visible(o.oid) THEN quote_ident(o.opcname)
                             ELSE quote_ident(opn.nspname) || '.' || quote_ident(o.opcname) END
                 FROM unnest(i.indclass::oid[]) WITH ORDINALITY AS k(opc, ord)
                 JOIN pg_opclass o ON o.oid = k.opc
                 JOIN pg_namespace opn ON opn.oid = o.opcnamespace
                 ORDER BY k.ord)
       END AS key_opclasses,
       CASE WHEN 0 = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1]) THEN
           ARRAY(SELECT CASE WHEN i.indkey[k - 1] = 0 THEN pg_get_indexdef(i.indexrelid, k, true) ELSE '' END
                 FROM generate_series(1, i.indnkeyatts::int) AS k
                 ORDER BY k)
       END AS key_expressions
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE n.nspname = ANY ($1)
  AND t.relkind IN ('r', 'p')
  AND NOT t.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                  WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                    AND con.contype IN ('p', 'u', 'x'))
ORDER BY n.nspname, t.relname, ic.relname
"#;

/// Enum types of the default schema with their labels in declared order.
pub const ENUMS: &str = r#"
SELECT t.typname::text AS name,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = ($1::text[])[1]
  AND t.typtype = 'e'
  AND NOT EXISTS (SELECT 1 FROM pg_depend dep
                  WHERE dep.classid = 'pg_type'::regclass AND dep.objid = t.oid AND dep.deptype = 'e')
ORDER BY t.typname
"#;

/// `{NULLS_NOT_DISTINCT}` in a query: the column PostgreSQL 15 added, or
/// `false` on an older server (where no index can have it).
pub fn for_server(sql: &str, server_version_num: Option<u32>, index_alias: &str) -> String {
    let value = if server_version_num.unwrap_or(0) >= 150_000 {
        format!("COALESCE({index_alias}.indnullsnotdistinct, false)")
    } else {
        "false".to_string()
    };
    sql.replace("{NULLS_NOT_DISTINCT}", &value)
}

/// How many queries one introspection sends, whatever the number of tables.
pub const QUERY_COUNT: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableRow {
    pub schema: String,
    pub name: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnRow {
    pub schema: String,
    pub table: String,
    pub name: String,
    /// `attnum`: what constraints and indexes refer to the column by.
    pub position: i16,
    /// `pg_type.typname`: `int4`, `varchar`, `_text` (an array), `mood`...
    pub type_name: String,
    /// `pg_type.typtype`: `b` base, `e` enum, `d` domain, `c` composite...
    pub type_kind: String,
    pub type_schema: String,
    /// For an array: its element type's name, kind and schema.
    pub element_name: Option<String>,
    pub element_kind: Option<String>,
    pub element_schema: Option<String>,
    /// `atttypmod`: length, precision and scale, encoded; -1 when none.
    pub type_modifier: i32,
    /// `format_type()`: the SQL spelling, kept for types Forge does not model.
    pub formatted_type: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// The expression of a stored generated column.
    pub generated: Option<String>,
    /// `attidentity`: `a` always, `d` by default, empty for none.
    pub identity: String,
    /// A collation other than the type's default.
    pub collation: Option<String>,
    /// The sequence the column owns, and how: `a` (serial) or `i` (identity).
    pub sequence: Option<SequenceRow>,
    pub comment: Option<String>,
}

/// `pg_sequence` of a serial or identity column.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SequenceRow {
    pub name: String,
    pub dependency: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConstraintRow {
    pub schema: String,
    pub table: String,
    pub name: String,
    /// `contype`: `p`, `u`, `f` or `c`.
    pub kind: String,
    pub column_numbers: Vec<i16>,
    pub referenced_schema: Option<String>,
    pub referenced_table: Option<String>,
    pub referenced_column_numbers: Vec<i16>,
    /// The referenced columns' names when the table is in another schema
    /// (the columns query does not read it).
    pub referenced_columns_elsewhere: Option<Vec<String>>,
    /// `confupdtype` / `confdeltype`: `a`, `r`, `c`, `n`, `d` (space for non-FKs).
    pub on_update: String,
    pub on_delete: String,
    /// `confmatchtype`: `s` simple, `f` full (space for non-FKs).
    pub match_type: String,
    pub deferrable: bool,
    pub deferred: bool,
    pub validated: bool,
    pub nulls_not_distinct: bool,
    /// `pg_get_constraintdef()` of a check, e.g. `CHECK (price > 0::double
    /// precision)`; empty for the other kinds (deparsing them is wasted work).
    pub definition: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexRow {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub unique: bool,
    pub nulls_not_distinct: bool,
    pub method: String,
    pub predicate: Option<String>,
    /// Per key position: the column number, 0 for an expression.
    pub key_numbers: Vec<i16>,
    /// Column numbers of the `INCLUDE` columns.
    pub include_numbers: Vec<i16>,
    /// Per key position: `indoption` bits (1: DESC, 2: NULLS FIRST).
    pub key_options: Vec<i16>,
    /// Per key position, when some key uses a non-default operator class: its
    /// name, empty for a default one.
    pub key_opclasses: Option<Vec<String>>,
    /// Per key position, when some key is an expression: what
    /// `pg_get_indexdef(index, position, true)` prints for it (empty for a
    /// column: deparsing costs, names do not).
    pub key_expressions: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumRow {
    pub name: String,
    pub labels: Vec<String>,
}

/// Every row the catalog queries returned for the schemas read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogRows {
    /// The schemas read that exist, the default one among them.
    pub namespaces: Vec<String>,
    pub tables: Vec<TableRow>,
    pub columns: Vec<ColumnRow>,
    pub constraints: Vec<ConstraintRow>,
    pub indexes: Vec<IndexRow>,
    pub enums: Vec<EnumRow>,
}

impl CatalogRows {
    pub fn len(&self) -> usize {
        self.tables.len()
            + self.columns.len()
            + self.constraints.len()
            + self.indexes.len()
            + self.enums.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Runs the catalog queries for `schema` (the default one) and `others`.
/// `None` when the default schema does not exist.
pub async fn fetch(
    conn: &mut PgConnection,
    schema: &str,
    others: &[String],
) -> Result<Option<CatalogRows>, IntrospectError> {
    let mut schemas = vec![schema.to_string()];
    schemas.extend(others.iter().filter(|o| *o != schema).cloned());
    let version = conn.server_version_num();
    let read = Read {
        schema,
        schemas: &schemas,
    };
    let table_rows = read.run(conn, "tables", TABLES).await?;
    if !table_rows
        .iter()
        .any(|row| row.try_get::<String, _>("schema_name").ok().as_deref() == Some(schema))
    {
        return Ok(None);
    }
    let tables = decode(schema, "tables", &table_rows, |row| {
        match row.try_get::<Option<String>, _>("table_name")? {
            Some(name) => Ok(Some(TableRow {
                schema: row.try_get("schema_name")?,
                name,
                comment: row.try_get("comment")?,
            })),
            // The schema exists but holds no table.
            None => Ok(None),
        }
    })?
    .into_iter()
    .flatten()
    .collect();
    let namespaces = decode(schema, "tables", &table_rows, |row| {
        row.try_get("schema_name")
    })?;
    let columns = decode(
        schema,
        "columns",
        &read.run(conn, "columns", COLUMNS).await?,
        column_row,
    )?;
    let constraints = decode(
        schema,
        "constraints",
        &read
            .run(conn, "constraints", &for_server(CONSTRAINTS, version, "ci"))
            .await?,
        constraint_row,
    )?;
    let indexes = decode(
        schema,
        "indexes",
        &read
            .run(conn, "indexes", &for_server(INDEXES, version, "i"))
            .await?,
        index_row,
    )?;
    let enums = decode(
        schema,
        "enum types",
        &read.run(conn, "enum types", ENUMS).await?,
        |row| {
            Ok(EnumRow {
                name: row.try_get("name")?,
                labels: row.try_get("labels")?,
            })
        },
    )?;
    let mut namespaces: Vec<String> = namespaces;
    namespaces.dedup();
    Ok(Some(CatalogRows {
        namespaces,
        tables,
        columns,
        constraints,
        indexes,
        enums,
    }))
}

/// The parameter every catalog query takes: the schemas to read (`$1`), the
/// default one (named in errors) first.
struct Read<'a> {
    schema: &'a str,
    schemas: &'a [String],
}

impl Read<'_> {
    async fn run(
        &self,
        conn: &mut PgConnection,
        catalog: &'static str,
        sql: &str,
    ) -> Result<Vec<PgRow>, IntrospectError> {
        sqlx::query(sql)
            .bind(self.schemas)
            .fetch_all(conn)
            .await
            .map_err(|source| IntrospectError::CatalogQuery {
                catalog,
                schema: self.schema.to_string(),
                source,
            })
    }
}

fn decode<T>(
    schema: &str,
    catalog: &'static str,
    rows: &[PgRow],
    read: impl Fn(&PgRow) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, IntrospectError> {
    rows.iter()
        .map(&read)
        .collect::<Result<_, _>>()
        .map_err(|source| IntrospectError::CatalogQuery {
            catalog,
            schema: schema.to_string(),
            source,
        })
}

fn column_row(row: &PgRow) -> Result<ColumnRow, sqlx::Error> {
    let sequence = match row.try_get::<Option<String>, _>("sequence_name")? {
        Some(name) => Some(SequenceRow {
            name,
            dependency: row.try_get("sequence_dependency")?,
            start: row.try_get("sequence_start")?,
            increment: row.try_get("sequence_increment")?,
            min: row.try_get("sequence_min")?,
            max: row.try_get("sequence_max")?,
            cache: row.try_get("sequence_cache")?,
            cycle: row.try_get("sequence_cycle")?,
        }),
        None => None,
    };
    Ok(ColumnRow {
        schema: row.try_get("table_schema")?,
        table: row.try_get("table_name")?,
        name: row.try_get("column_name")?,
        position: row.try_get("position")?,
        type_name: row.try_get("type_name")?,
        type_kind: row.try_get("type_kind")?,
        type_schema: row.try_get("type_schema")?,
        element_name: row.try_get("element_name")?,
        element_kind: row.try_get("element_kind")?,
        element_schema: row.try_get("element_schema")?,
        type_modifier: row.try_get("type_modifier")?,
        formatted_type: row.try_get("formatted_type")?,
        not_null: row.try_get("not_null")?,
        default: row.try_get("default_expression")?,
        generated: row.try_get("generated_expression")?,
        identity: row.try_get("identity")?,
        collation: row.try_get("collation")?,
        sequence,
        comment: row.try_get("comment")?,
    })
}

fn constraint_row(row: &PgRow) -> Result<ConstraintRow, sqlx::Error> {
    Ok(ConstraintRow {
        schema: row.try_get("table_schema")?,
        table: row.try_get("table_name")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        column_numbers: row
            .try_get::<Option<Vec<i16>>, _>("column_numbers")?
            .unwrap_or_default(),
        referenced_schema: row.try_get("referenced_schema")?,
        referenced_table: row.try_get("referenced_table")?,
        referenced_column_numbers: row
            .try_get::<Option<Vec<i16>>, _>("referenced_column_numbers")?
            .unwrap_or_default(),
        referenced_columns_elsewhere: row.try_get("referenced_columns_elsewhere")?,
        on_update: row.try_get("on_update")?,
        on_delete: row.try_get("on_delete")?,
        match_type: row.try_get("match_type")?,
        deferrable: row.try_get("deferrable")?,
        deferred: row.try_get("deferred")?,
        validated: row.try_get("validated")?,
        nulls_not_distinct: row.try_get("nulls_not_distinct")?,
        definition: row.try_get("definition")?,
    })
}

fn index_row(row: &PgRow) -> Result<IndexRow, sqlx::Error> {
    Ok(IndexRow {
        schema: row.try_get("table_schema")?,
        table: row.try_get("table_name")?,
        name: row.try_get("name")?,
        unique: row.try_get("is_unique")?,
        nulls_not_distinct: row.try_get("nulls_not_distinct")?,
        method: row.try_get("method")?,
        predicate: row.try_get("predicate")?,
        key_numbers: row.try_get("key_numbers")?,
        include_numbers: row
            .try_get::<Option<Vec<i16>>, _>("include_numbers")?
            .unwrap_or_default(),
        key_options: row.try_get("key_options")?,
        key_opclasses: row.try_get("key_opclasses")?,
        key_expressions: row.try_get("key_expressions")?,
    })
}
