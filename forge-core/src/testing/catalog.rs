//! The catalog a reversibility check compares: the schema model as
//! introspection reads it, plus every named object of the schema the model
//! does not describe (views, sequences, functions, triggers, other types), so
//! a downgrade that forgets a hand-written view is caught too.

use std::collections::BTreeSet;

use sqlx::PgConnection;

use crate::diff::diff;
use crate::introspect::postgres::introspect_with;
use crate::introspect::IntrospectOptions;
use crate::model::Schema;
use crate::runner::Bookkeeping;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Catalog {
    schema: Schema,
    objects: BTreeSet<String>,
}

/// Every object of the schema, as `kind name`, leaving out Forge's bookkeeping
/// tables and what belongs to them (their indexes and sequences).
const OBJECTS: &str = r#"
SELECT kind || ' ' || name FROM (
    SELECT CASE c.relkind
               WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
               WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
               WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'f' THEN 'foreign table'
               WHEN 'c' THEN 'composite type' ELSE 'relation' END AS kind,
           c.relname::text AS name
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1
      AND NOT EXISTS (
          SELECT 1 FROM pg_class b
          WHERE b.relnamespace = n.oid AND b.relname IN ($2, $3)
            AND (c.oid = b.oid
                 OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = b.oid)
                 OR c.oid IN (SELECT objid FROM pg_depend
                              WHERE refobjid = b.oid AND classid = 'pg_class'::regclass)))
    UNION ALL
    SELECT CASE t.typtype WHEN 'e' THEN 'enum type' WHEN 'd' THEN 'domain'
                          WHEN 'r' THEN 'range type' ELSE 'multirange type' END,
           t.typname::text
    FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = $1 AND t.typtype IN ('e', 'd', 'r', 'm')
    UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END,
           p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
    FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = $1
    UNION ALL
    SELECT 'trigger', tg.tgname || ' on ' || c.relname
    FROM pg_trigger tg
    JOIN pg_class c ON c.oid = tg.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND NOT tg.tgisinternal
) objects
"#;

/// Reads the catalog of `schema`.
pub(super) async fn capture(
    connection: &mut PgConnection,
    schema: &str,
    bookkeeping: &Bookkeeping,
) -> Result<Catalog, String> {
    let options = IntrospectOptions::default()
        .ignoring(bookkeeping.version_table.as_str())
        .ignoring(bookkeeping.history_table.as_str());
    let model = introspect_with(connection, schema, &options)
        .await
        .map_err(|e| format!("cannot read the catalog: {e}"))?
        .schema;
    let objects: Vec<String> = sqlx::query_scalar(OBJECTS)
        .bind(schema)
        .bind(&bookkeeping.version_table)
        .bind(&bookkeeping.history_table)
        .fetch_all(connection)
        .await
        .map_err(|e| format!("cannot list the schema's objects: {e}"))?;
    Ok(Catalog {
        schema: model,
        objects: objects.into_iter().collect(),
    })
}

/// What differs in `now` from `expected`, one line each; empty when equal.
pub(super) fn differences(expected: &Catalog, now: &Catalog) -> Vec<String> {
    let mut lines: Vec<String> = diff(&expected.schema, &now.schema)
        .iter()
        .map(|change| format!("still needed to get back: {change}"))
        .collect();
    lines.extend(
        now.objects
            .difference(&expected.objects)
            .map(|o| format!("left behind: {o}")),
    );
    lines.extend(
        expected
            .objects
            .difference(&now.objects)
            .map(|o| format!("missing: {o}")),
    );
    lines
}
