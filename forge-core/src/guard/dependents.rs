//! What uses what a revision drops or retypes: the views, functions,
//! triggers, policies, rules, partitions... Forge does not manage, read from
//! `pg_depend` for exactly the tables and columns the changes touch (one
//! query, and none when the changes drop and retype nothing). PostgreSQL
//! refuses such a change at upgrade while a view or function uses it, or
//! takes the object away with it (a partition, an exclusion constraint, the
//! statistics of a column): either way the revision must not be written as
//! if nothing were there.

use std::fmt;

use sqlx::{PgConnection, Row};

use crate::diff::Change;
use crate::model::{ObjectKind, ObjectRef, TableName};

/// A table, one of its columns, or an enum type, that a change drops or
/// retypes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    /// The table, or the enum type (`DropType`).
    pub table: TableName,
    pub column: Option<String>,
    pub action: Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Drop,
    Retype,
    /// An enum type dropped, or rebuilt (the old one is dropped).
    DropType,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.action {
            Action::Drop => "drops",
            Action::Retype => "changes the type of",
            Action::DropType => return write!(f, "drops enum type {}", self.table),
        };
        match &self.column {
            Some(column) => write!(f, "{verb} column {}.{column}", self.table),
            None => write!(f, "{verb} table {}", self.table),
        }
    }
}

/// One object in the way of one change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Conflict {
    pub target: Target,
    pub object: ObjectRef,
}

/// The tables and columns `changes` drop or retype.
pub fn targets(changes: &[Change]) -> Vec<Target> {
    let mut out = Vec::new();
    let mut push = |table: &TableName, column: Option<&str>, action| {
        out.push(Target {
            table: table.clone(),
            column: column.map(str::to_string),
            action,
        })
    };
    for change in changes {
        match change {
            Change::DropTable(t) => push(&t.qualified_name(), None, Action::Drop),
            Change::DropColumn { table, column } => push(table, Some(&column.name), Action::Drop),
            Change::AlterColumnType { table, column, .. } => {
                push(table, Some(column), Action::Retype)
            }
            // Becoming generated (or another expression) drops the column.
            Change::AlterColumnGeneration { table, to, .. } if to.generated.is_some() => {
                push(table, Some(&to.name), Action::Drop)
            }
            // Rebuilding an enum type casts every column of it, then drops
            // the old type.
            Change::RecreateEnum { name, columns, .. } => {
                for c in columns {
                    push(&c.table, Some(&c.column), Action::Retype);
                }
                push(&TableName::bare(name.as_str()), None, Action::DropType);
            }
            Change::DropEnum(e) => push(&TableName::bare(e.name.as_str()), None, Action::DropType),
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

/// For each target (`$1` schemas, `$2` tables, `$3` columns, '' for the
/// whole table, `$4` 'drop' or 'retype'), what depends on it that Forge does
/// not manage. Objects that belong to a dropped table itself (its triggers,
/// rules, policies, its statistics) go with it and are not listed; a
/// partition of it is. A retyped column only stops views, rules, triggers,
/// policies and functions: PostgreSQL rebuilds its constraints, indexes and
/// statistics.
const DEPENDENTS: &str = r#"
WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
                  AS t(schema_name, object_name, column_name, action, n)
),
target AS (
    SELECT t.n, 'pg_class'::regclass AS refclassid, c.oid AS refobjid, c.oid AS relid,
           a.attnum, t.action = 'drop' AS dropped
    FROM input t
    JOIN pg_namespace ns ON ns.nspname = t.schema_name
    JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = t.object_name
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = t.column_name AND t.column_name <> ''
    WHERE t.action <> 'drop_type' AND (t.column_name = '' OR a.attnum IS NOT NULL)
  UNION ALL
    -- An enum type, and its array type (what an array column depends on).
    SELECT t.n, 'pg_type'::regclass, ty.oid, 0::oid, NULL, true
    FROM input t
    JOIN pg_namespace ns ON ns.nspname = t.schema_name
    JOIN pg_type e ON e.typnamespace = ns.oid AND e.typname = t.object_name
    JOIN pg_type ty ON ty.oid IN (e.oid, e.typarray)
    WHERE t.action = 'drop_type'
),
dependent AS (
    SELECT tg.n, tg.relid, tg.attnum, tg.dropped, d.classid, d.objid, d.objsubid
    FROM target tg
    JOIN pg_depend d ON d.refclassid = tg.refclassid AND d.refobjid = tg.refobjid
                    AND (tg.attnum IS NULL OR d.refobjsubid = tg.attnum)
                    AND d.deptype IN ('n', 'a')
)
SELECT n, kind, schema_name, name, owner_schema, owner_table, column_name FROM (
    SELECT d.n,
           CASE WHEN rw.rulename <> '_RETURN' THEN 'rule'
                WHEN v.relkind = 'm' THEN 'materialized_view' ELSE 'view' END AS kind,
           vn.nspname::text AS schema_name,
           CASE WHEN rw.rulename <> '_RETURN' THEN rw.rulename ELSE v.relname END::text AS name,
           CASE WHEN rw.rulename <> '_RETURN' THEN vn.nspname END::text AS owner_schema,
           CASE WHEN rw.rulename <> '_RETURN' THEN v.relname END::text AS owner_table,
           NULL::text AS column_name,
           rw.rulename = '_RETURN' OR d.attnum IS NOT NULL OR rw.ev_class <> d.relid AS in_the_way
    FROM dependent d
    JOIN pg_rewrite rw ON d.classid = 'pg_rewrite'::regclass AND rw.oid = d.objid
    JOIN pg_class v ON v.oid = rw.ev_class
    JOIN pg_namespace vn ON vn.oid = v.relnamespace
    WHERE rw.ev_class <> d.relid OR rw.rulename <> '_RETURN'
  UNION ALL
    SELECT d.n, 'trigger', tn.nspname, tg.tgname, tn.nspname, t.relname, NULL,
           d.attnum IS NOT NULL OR tg.tgrelid <> d.relid
    FROM dependent d
    JOIN pg_trigger tg ON d.classid = 'pg_trigger'::regclass AND tg.oid = d.objid AND NOT tg.tgisinternal
    JOIN pg_class t ON t.oid = tg.tgrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
  UNION ALL
    SELECT d.n, 'policy', pn.nspname, p.polname, pn.nspname, t.relname, NULL,
           d.attnum IS NOT NULL OR p.polrelid <> d.relid
    FROM dependent d
    JOIN pg_policy p ON d.classid = 'pg_policy'::regclass AND p.oid = d.objid
    JOIN pg_class t ON t.oid = p.polrelid JOIN pg_namespace pn ON pn.oid = t.relnamespace
  UNION ALL
    SELECT d.n, CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, pn.nspname,
           p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', NULL, NULL, NULL, true
    FROM dependent d
    JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
    JOIN pg_namespace pn ON pn.oid = p.pronamespace
  UNION ALL
    SELECT d.n, 'exclusion_constraint', cn.nspname, con.conname, cn.nspname, t.relname, NULL,
           d.dropped AND (d.attnum IS NOT NULL OR con.conrelid <> d.relid)
    FROM dependent d
    JOIN pg_constraint con ON d.classid = 'pg_constraint'::regclass AND con.oid = d.objid AND con.contype = 'x'
    JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = t.relnamespace
  UNION ALL
    SELECT d.n, 'statistics', sn.nspname, s.stxname, tn.nspname, t.relname, NULL,
           d.dropped AND (d.attnum IS NOT NULL OR s.stxrelid <> d.relid)
    FROM dependent d
    JOIN pg_statistic_ext s ON d.classid = 'pg_statistic_ext'::regclass AND s.oid = d.objid
    JOIN pg_namespace sn ON sn.oid = s.stxnamespace
    JOIN pg_class t ON t.oid = s.stxrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
  UNION ALL
    SELECT d.n, 'partition', pn.nspname, p.relname, NULL, NULL, NULL, true
    FROM dependent d
    JOIN pg_class p ON d.classid = 'pg_class'::regclass AND p.oid = d.objid AND p.relispartition
    JOIN pg_inherits i ON i.inhrelid = p.oid AND i.inhparent = d.relid
    JOIN pg_namespace pn ON pn.oid = p.relnamespace
    WHERE d.attnum IS NULL AND d.relid <> 0
  UNION ALL
    -- What uses an enum type: a column (of a table the revision keeps, an
    -- excluded one...; partitions follow their parent), a domain, another type.
    SELECT d.n, CASE c.relkind WHEN 'c' THEN 'composite_type' ELSE 'table' END, cn.nspname, c.relname,
           NULL, NULL, a.attname::text, true
    FROM dependent d
    JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid AND NOT c.relispartition
    JOIN pg_namespace cn ON cn.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
    WHERE d.relid = 0 AND d.objsubid > 0
  UNION ALL
    SELECT d.n, CASE ty.typtype WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range_type' ELSE 'composite_type' END,
           tn.nspname, ty.typname, NULL, NULL, NULL, true
    FROM dependent d
    JOIN pg_type ty ON d.classid = 'pg_type'::regclass AND ty.oid = d.objid
    JOIN pg_namespace tn ON tn.oid = ty.typnamespace
    WHERE d.relid = 0 AND ty.typtype <> 'b'
) found
WHERE in_the_way
ORDER BY n, kind, schema_name, name
"#;

/// The unmanaged objects in the way of `targets`, read from the database
/// whose default schema is `default_schema`.
pub async fn conflicts(
    conn: &mut PgConnection,
    default_schema: &str,
    targets: &[Target],
) -> Result<Vec<Conflict>, sqlx::Error> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let schemas: Vec<String> = targets
        .iter()
        .map(|t| {
            t.table
                .schema
                .clone()
                .unwrap_or_else(|| default_schema.to_string())
        })
        .collect();
    let tables: Vec<String> = targets.iter().map(|t| t.table.name.clone()).collect();
    let columns: Vec<String> = targets
        .iter()
        .map(|t| t.column.clone().unwrap_or_default())
        .collect();
    let actions: Vec<&str> = targets
        .iter()
        .map(|t| match t.action {
            Action::Drop => "drop",
            Action::Retype => "retype",
            Action::DropType => "drop_type",
        })
        .collect();
    let rows = sqlx::query(DEPENDENTS)
        .bind(&schemas)
        .bind(&tables)
        .bind(&columns)
        .bind(&actions)
        .fetch_all(conn)
        .await?;
    let here = |schema: String| (schema != default_schema).then_some(schema);
    let mut out = Vec::new();
    for row in rows {
        let n: i64 = row.try_get("n")?;
        let kind: String = row.try_get("kind")?;
        let Some(kind) = ObjectKind::parse(&kind) else {
            continue;
        };
        let Some(target) = usize::try_from(n - 1).ok().and_then(|i| targets.get(i)) else {
            continue;
        };
        let owner_table: Option<String> = row.try_get("owner_table")?;
        let owner_schema: Option<String> = row.try_get("owner_schema")?;
        let column: Option<String> = row.try_get("column_name")?;
        let schema_name: String = row.try_get("schema_name")?;
        let name: String = row.try_get("name")?;
        if let Some(column) = &column {
            // A column the same revision drops, or retypes first, is no
            // obstacle to dropping its type.
            let table = TableName::new(here(schema_name.clone()).as_deref(), name.as_str());
            let handled = targets.iter().any(|t| {
                t.table == table
                    && t.action != Action::DropType
                    && t.column.as_deref().is_none_or(|c| c == column)
            });
            if handled {
                continue;
            }
        }
        out.push(Conflict {
            target: target.clone(),
            object: ObjectRef {
                kind,
                schema: here(schema_name),
                name: match column {
                    Some(column) => format!("{name} (column {column})"),
                    None => name,
                },
                table: owner_table
                    .map(|t| TableName::new(owner_schema.and_then(here).as_deref(), t)),
            },
        });
    }
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::EnumColumn;
    use crate::model::{Column, ColumnType, Table};

    #[test]
    fn drops_and_type_changes_are_targets_and_the_rest_is_not() {
        let changes = vec![
            Change::DropTable(Table::new("legacy")),
            Change::DropColumn {
                table: TableName::bare("users"),
                column: Column::new("nickname", ColumnType::Text, true),
            },
            Change::AlterColumnType {
                table: TableName::new(Some("billing"), "invoices"),
                column: "total".into(),
                from: ColumnType::Integer,
                to: ColumnType::BigInt,
                from_collation: None,
                to_collation: None,
            },
            Change::RecreateEnum {
                name: "mood".into(),
                from: vec!["a".into()],
                to: vec!["b".into()],
                columns: vec![EnumColumn {
                    table: TableName::bare("people"),
                    column: "mood".into(),
                    array: false,
                    default: None,
                }],
            },
            Change::AddColumn {
                table: TableName::bare("users"),
                column: Column::new("email", ColumnType::Text, true),
            },
            Change::RenameTable {
                from: TableName::bare("a"),
                to: TableName::bare("b"),
            },
        ];
        let shown: Vec<String> = targets(&changes).iter().map(|t| t.to_string()).collect();
        assert_eq!(
            shown,
            [
                "drops table legacy",
                "drops enum type mood",
                "changes the type of column people.mood",
                "drops column users.nickname",
                "changes the type of column billing.invoices.total",
            ]
        );
    }
}
