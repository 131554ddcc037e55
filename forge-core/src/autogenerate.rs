//! Autogenerate: the models (desired schema) against the live database
//! (introspection), diffed and rendered into the bodies of revision files.
//! Shared by `migrate revision` and `migrate check`.

use std::borrow::Cow;
use std::collections::BTreeSet;

use sqlx::PgConnection;

use crate::diff::{diff_settled, renamed_live, Change};
use crate::introspect::postgres::introspect_with;
use crate::introspect::postgres::settle::{settle, SettleError};
use crate::introspect::{Exclusions, IntrospectError, IntrospectOptions};
use crate::model::naming::MAX_IDENTIFIER_BYTES;
use crate::model::{ColumnType, Identity, KeyTarget, Schema};
use crate::render::postgres::{literal, PostgreSql};
use crate::render::{render_migration, render_sql};

#[derive(Debug, thiserror::Error)]
pub enum AutogenerateError {
    #[error(transparent)]
    Introspect(#[from] IntrospectError),
    #[error(transparent)]
    Settle(#[from] SettleError),
    #[error("the models describe something PostgreSQL cannot store: {problem}; fix the model")]
    Unrepresentable { problem: String },
    #[error("the database is at {} but the migrations head is {}; run `migrate upgrade` first, so the new revision builds on what the files describe", at(.current), .heads.join(", "))]
    NotAtHead {
        current: Vec<String>,
        heads: Vec<String>,
    },
    #[error("the database is at revision {}, which no migration file defines; restore the file, or `migrate stamp` the database to a known revision", .unknown.join(", "))]
    UnknownRevision { unknown: Vec<String> },
    #[error("table `{table}` is {} in the database and {} in the models, and PostgreSQL cannot change a table's partitioning in place; write that migration by hand (a new table, the rows copied, the names swapped), or exclude the table in [autogenerate] exclude", partitioning(.live), partitioning(.desired))]
    PartitioningChanged {
        table: crate::model::TableName,
        live: Option<String>,
        desired: Option<String>,
    },
}

fn partitioning(by: &Option<String>) -> String {
    match by {
        Some(by) => format!("partitioned by {by}"),
        None => "not partitioned".to_string(),
    }
}

fn at(current: &[String]) -> String {
    if current.is_empty() {
        "base (no revision applied)".to_string()
    } else {
        current.join(", ")
    }
}

/// The changes that bring the database's `schema` to `desired`: validates the
/// models, introspects (ignoring `version_table`, its history table and
/// Forge's default tables) and diffs (see [`compare`]).
pub async fn changes(
    conn: &mut PgConnection,
    schema: &str,
    version_table: &str,
    desired: &Schema,
) -> Result<Vec<Change>, AutogenerateError> {
    changes_excluding(conn, schema, version_table, &Exclusions::default(), desired).await
}

/// [`changes`], leaving out what `exclude` (`[autogenerate] exclude`) names,
/// in the database and in the models.
pub async fn changes_excluding(
    conn: &mut PgConnection,
    schema: &str,
    version_table: &str,
    exclude: &Exclusions,
    desired: &Schema,
) -> Result<Vec<Change>, AutogenerateError> {
    compare(
        conn,
        schema,
        &project_options(version_table, exclude),
        desired,
    )
    .await
}

/// What a project's commands read of its database: everything but Forge's
/// bookkeeping tables (the configured version table and the history table
/// the runner names after it) and what `exclude` names.
pub fn project_options(version_table: &str, exclude: &Exclusions) -> IntrospectOptions {
    let history_table = crate::runner::Bookkeeping::new(version_table).history_table;
    IntrospectOptions::default()
        .ignoring(version_table)
        .ignoring(history_table)
        .excluding(exclude.clone())
}

/// The changes between `desired` and the database: validates the models,
/// introspects `schema` and the other schemas the models name, settles with
/// the server what text cannot (verbatim types, expressions PostgreSQL
/// prints otherwise; see [`settle`]), and diffs. The one way every command
/// compares models with a database.
pub async fn compare(
    conn: &mut PgConnection,
    schema: &str,
    options: &IntrospectOptions,
    desired: &Schema,
) -> Result<Vec<Change>, AutogenerateError> {
    validate(desired)?;
    let desired = &*without_excluded(desired, &options.exclude, schema);
    let options = options
        .clone()
        .with_schemas(desired.namespaces_used())
        .without_unmanaged();
    let live = introspect_with(conn, schema, &options).await?.schema;
    check_partitioning(desired, &live)?;
    let settlement = settle(conn, schema, desired, &renamed_live(desired, &live)).await?;
    validate_foreign_key_types(&settlement.desired)?;
    Ok(diff_settled(
        &settlement.desired,
        &live,
        &settlement.settled,
    ))
}

/// The models without the tables and enum types `exclude` names (a foreign
/// key may still point at an excluded table: it exists, Forge leaves it be).
pub fn without_excluded<'s>(
    desired: &'s Schema,
    exclude: &Exclusions,
    schema: &str,
) -> Cow<'s, Schema> {
    if exclude.is_empty() {
        return Cow::Borrowed(desired);
    }
    let mut kept = desired.clone();
    kept.tables
        .retain(|t| !exclude.excludes_table(&t.qualified_name(), schema));
    kept.enums.retain(|e| {
        exclude
            .matching(crate::model::ObjectKind::Enum, None, &e.name, schema)
            .is_none()
    });
    Cow::Owned(kept)
}

/// A table partitioned otherwise in the models than in the database cannot
/// be altered into shape: stop before writing anything.
fn check_partitioning(desired: &Schema, live: &Schema) -> Result<(), AutogenerateError> {
    for table in &desired.tables {
        let Some(live_table) = live.table_named(&table.qualified_name()) else {
            continue;
        };
        let same = match (&table.partition_by, &live_table.partition_by) {
            (None, None) => true,
            (Some(d), Some(l)) => crate::model::expression::same(d, l),
            _ => false,
        };
        if !same {
            return Err(AutogenerateError::PartitioningChanged {
                table: table.qualified_name(),
                live: live_table.partition_by.clone(),
                desired: table.partition_by.clone(),
            });
        }
    }
    Ok(())
}

/// Autogenerate compares with a database at the head(s) of the files: one
/// that is behind would make the new revision repeat what is pending.
pub fn check_at_heads(
    current: &[String],
    heads: &[String],
    known: impl Fn(&str) -> bool,
    pending: impl FnOnce() -> Vec<String>,
) -> Result<(), AutogenerateError> {
    let unknown: Vec<String> = current.iter().filter(|r| !known(r)).cloned().collect();
    if !unknown.is_empty() {
        return Err(AutogenerateError::UnknownRevision { unknown });
    }
    // Pending revisions, not a comparison with the heads: a revision applied
    // only as another's dependency leaves no row of its own in the version table.
    if !pending().is_empty() {
        return Err(AutogenerateError::NotAtHead {
            current: current.to_vec(),
            heads: heads.to_vec(),
        });
    }
    Ok(())
}

/// The body of one revision file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionBody {
    pub message: String,
    pub changes: Vec<Change>,
    pub upgrade_sql: String,
    pub downgrade_sql: String,
}

/// The revision bodies for `changes`: one, or two when enum values are added
/// and the same changes use them (PostgreSQL refuses a value in the
/// transaction that added it): the additions then get their own revision,
/// applied (and committed) first.
pub fn revision_bodies(message: &str, changes: Vec<Change>) -> Vec<RevisionBody> {
    let (additions, rest): (Vec<Change>, Vec<Change>) = changes
        .iter()
        .cloned()
        .partition(|c| matches!(c, Change::AddEnumValue { .. }));
    let split = !additions.is_empty() && !rest.is_empty() && {
        let rest_sql = render_sql(&PostgreSql, &rest);
        additions.iter().any(|c| match c {
            Change::AddEnumValue { value, .. } => rest_sql.contains(&literal(value)),
            _ => false,
        })
    };
    let body = |message: String, changes: Vec<Change>| {
        let (upgrade_sql, downgrade_sql) = render_migration(&PostgreSql, &changes);
        RevisionBody {
            message,
            changes,
            upgrade_sql,
            downgrade_sql,
        }
    };
    if split {
        vec![
            body(format!("{message} (enum values)"), additions),
            body(message.to_string(), rest),
        ]
    } else {
        vec![body(message.to_string(), changes)]
    }
}

/// Writes `new` into `dir` stamped with the current UTC time (the file name's
/// date), never overwriting a file; returns its path and revision id.
pub fn write_now(
    dir: &std::path::Path,
    new: &crate::script::NewRevision,
) -> Result<(std::path::PathBuf, String), crate::script::ScriptError> {
    crate::script::write_revision(dir, new, chrono::Utc::now())
}

/// Checks what the compiler and the registry could not: that PostgreSQL can
/// store the models exactly as they say (else every autogenerate would report
/// the same change again, or the migration would fail).
pub fn validate(schema: &Schema) -> Result<(), AutogenerateError> {
    let problem = |problem: String| Err(AutogenerateError::Unrepresentable { problem });
    let long = |name: &str| name.len() > MAX_IDENTIFIER_BYTES || name.is_empty();
    let enums: BTreeSet<&str> = schema.enums.iter().map(|e| e.name.as_str()).collect();
    for e in &schema.enums {
        if long(&e.name) {
            return problem(format!(
                "enum type name `{}` is empty or longer than {MAX_IDENTIFIER_BYTES} bytes",
                e.name
            ));
        }
        let mut seen = BTreeSet::new();
        for label in &e.labels {
            if long(label) {
                return problem(format!("label `{label}` of enum `{}` is empty or longer than {MAX_IDENTIFIER_BYTES} bytes", e.name));
            }
            if !seen.insert(label) {
                return problem(format!("enum `{}` lists label `{label}` twice", e.name));
            }
        }
    }
    for namespace in schema.namespaces_used() {
        if long(&namespace) {
            return problem(format!(
                "schema name `{namespace}` is empty or longer than {MAX_IDENTIFIER_BYTES} bytes"
            ));
        }
    }
    let mut relation_names: BTreeSet<(Option<&str>, &str)> = BTreeSet::new();
    for table in &schema.tables {
        let t = &table.qualified_name();
        let here = table.schema.as_deref();
        if long(&table.name) {
            return problem(format!(
                "table name `{t}` is empty or longer than {MAX_IDENTIFIER_BYTES} bytes"
            ));
        }
        if !relation_names.insert((here, &table.name)) {
            return problem(format!("`{t}` names two tables or indexes"));
        }
        if table.columns.is_empty() {
            return problem(format!("table `{t}` has no columns"));
        }
        let has_column = |c: &str| table.column(c).is_some();
        for column in &table.columns {
            let c = &column.name;
            if long(c) {
                return problem(format!(
                    "column name `{t}.{c}` is empty or longer than {MAX_IDENTIFIER_BYTES} bytes"
                ));
            }
            if let Some(message) = type_problem(&column.column_type, &enums) {
                return problem(format!("column `{t}.{c}`: {message}"));
            }
            if let Some(message) = column_problem(column) {
                return problem(format!("column `{t}.{c}`: {message}"));
            }
        }
        let mut constraint_names: BTreeSet<&str> = BTreeSet::new();
        let named = |name: &'static str, n: &str| -> Result<(), AutogenerateError> {
            if long(n) {
                return Err(AutogenerateError::Unrepresentable {
                    problem: format!("{name} name `{n}` on table `{t}` is empty or longer than {MAX_IDENTIFIER_BYTES} bytes"),
                });
            }
            Ok(())
        };
        if let Some(pk) = &table.primary_key {
            named("primary key", &pk.name)?;
            for c in &pk.columns {
                match table.column(c) {
                    None => return problem(format!("primary key `{}` names column `{c}`, which table `{t}` does not have", pk.name)),
                    Some(col) if col.nullable => {
                        return problem(format!("primary key column `{t}.{c}` is nullable; a primary key is always NOT NULL"))
                    }
                    _ => {}
                }
            }
            constraint_names.insert(&pk.name);
            if !relation_names.insert((here, &pk.name)) {
                return problem(format!("`{}` names two tables, indexes or keys", pk.name));
            }
        }
        for u in &table.uniques {
            named("unique", &u.name)?;
            if let Some(c) = u.columns.iter().chain(&u.include).find(|c| !has_column(c)) {
                return problem(format!(
                    "unique `{}` names column `{c}`, which table `{t}` does not have",
                    u.name
                ));
            }
            if !constraint_names.insert(&u.name) || !relation_names.insert((here, &u.name)) {
                return problem(format!("`{}` names two constraints or indexes", u.name));
            }
        }
        for i in &table.indexes {
            named("index", &i.name)?;
            if i.keys.is_empty() {
                return problem(format!("index `{}` on table `{t}` has no keys", i.name));
            }
            for name in i
                .keys
                .iter()
                .filter_map(|k| match &k.target {
                    KeyTarget::Column(name) => Some(name),
                    KeyTarget::Expression(_) => None,
                })
                .chain(&i.include)
            {
                if !has_column(name) {
                    return problem(format!(
                        "index `{}` names column `{name}`, which table `{t}` does not have",
                        i.name
                    ));
                }
            }
            if i.nulls_not_distinct && !i.unique {
                return problem(format!(
                    "index `{}` on `{t}` is NULLS NOT DISTINCT but not unique; only a unique index treats NULLs as equal",
                    i.name
                ));
            }
            if !relation_names.insert((here, &i.name)) {
                return problem(format!("`{}` names two indexes or tables", i.name));
            }
        }
        for fk in &table.foreign_keys {
            named("foreign key", &fk.name)?;
            if !constraint_names.insert(&fk.name) {
                return problem(format!(
                    "`{}` names two constraints of table `{t}`",
                    fk.name
                ));
            }
            if let Some(c) = fk.columns.iter().find(|c| !has_column(c)) {
                return problem(format!(
                    "foreign key `{}` names column `{c}`, which table `{t}` does not have",
                    fk.name
                ));
            }
            let Some(target) = schema.table_named(&fk.referenced()) else {
                return problem(format!(
                    "foreign key `{}` of `{t}` references table `{}`, which no model defines",
                    fk.name,
                    fk.referenced()
                ));
            };
            if fk.columns.len() != fk.referenced_columns.len() || fk.columns.is_empty() {
                return problem(format!(
                    "foreign key `{}` of `{t}` pairs {} column(s) with {} referenced column(s)",
                    fk.name,
                    fk.columns.len(),
                    fk.referenced_columns.len()
                ));
            }
            if let Some(c) = fk
                .referenced_columns
                .iter()
                .find(|c| target.column(c).is_none())
            {
                return problem(format!(
                    "foreign key `{}` of `{t}` references `{}.{c}`, which does not exist",
                    fk.name,
                    target.qualified_name()
                ));
            }
        }
        for check in &table.checks {
            named("check", &check.name)?;
            if !constraint_names.insert(&check.name) {
                return problem(format!(
                    "`{}` names two constraints of table `{t}`",
                    check.name
                ));
            }
        }
    }
    Ok(())
}

/// A foreign key column must have the type of the column it references
/// (PostgreSQL refuses the constraint otherwise, at upgrade): checked once the
/// server settled the verbatim types, so `sql_type = "int4"` is `integer`.
pub fn validate_foreign_key_types(schema: &Schema) -> Result<(), AutogenerateError> {
    for table in &schema.tables {
        for fk in &table.foreign_keys {
            let Some(target) = schema.table_named(&fk.referenced()) else {
                continue;
            };
            for (column, referenced) in fk.columns.iter().zip(&fk.referenced_columns) {
                let (Some(a), Some(b)) = (table.column(column), target.column(referenced)) else {
                    continue;
                };
                if a.column_type != b.column_type {
                    return Err(AutogenerateError::Unrepresentable {
                        problem: format!(
                            "foreign key `{}` on `{}.{column}` ({}) references `{}.{referenced}` ({}), and PostgreSQL needs both of one type",
                            fk.name,
                            table.qualified_name(),
                            a.column_type,
                            target.qualified_name(),
                            b.column_type
                        ),
                    });
                }
            }
        }
    }
    Ok(())
}

/// What PostgreSQL refuses, or would store otherwise, in one column.
fn column_problem(column: &crate::model::Column) -> Option<String> {
    let integer = matches!(
        column.column_type,
        ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
    );
    if let Some(identity) = column.identity {
        let kind = if identity == Identity::Serial {
            "serial"
        } else {
            "identity"
        };
        if !integer {
            return Some(format!(
                "a {kind} column is smallint, integer or bigint, not {}",
                column.column_type
            ));
        }
        if column.nullable {
            return Some(format!(
                "a {kind} column is always NOT NULL, and this one is nullable"
            ));
        }
        if column.default.is_some() {
            return Some(format!(
                "a {kind} column has no default of its own; keep one of them"
            ));
        }
        if column.generated.is_some() {
            return Some(format!("a {kind} column cannot also be generated"));
        }
        if identity == Identity::Serial
            && column.sequence.as_ref().is_some_and(|s| {
                crate::model::Sequence::canonical(Some(s), &column.column_type).is_some()
            })
        {
            return Some(
                "sequence options (start, increment...) apply to identity columns; declare `identity(...)` instead of serial".to_string(),
            );
        }
    } else if column
        .sequence
        .as_ref()
        .is_some_and(|s| crate::model::Sequence::canonical(Some(s), &column.column_type).is_some())
    {
        return Some("sequence options (start, increment...) need an identity column".to_string());
    }
    if column.generated.is_some() && column.default.is_some() {
        return Some("a generated column has no default; keep one of them".to_string());
    }
    if column.collation.is_some() && !column.column_type.is_collatable() {
        return Some(format!(
            "type {} takes no collation; a collation applies to text types",
            column.column_type
        ));
    }
    None
}

fn type_problem(column_type: &ColumnType, enums: &BTreeSet<&str>) -> Option<String> {
    const MAX_LENGTH: u32 = 10_485_760;
    match column_type {
        ColumnType::Time { precision: Some(p) }
        | ColumnType::TimeTz { precision: Some(p) }
        | ColumnType::Timestamp { precision: Some(p) }
        | ColumnType::TimestampTz { precision: Some(p) }
        | ColumnType::Interval { precision: Some(p) }
            if *p > 6 =>
        {
            Some(format!(
                "{column_type} has a precision above 6, which PostgreSQL would silently store as 6"
            ))
        }
        ColumnType::Varchar { length: Some(n) } | ColumnType::Char { length: n }
            if *n == 0 || *n > MAX_LENGTH =>
        {
            Some(format!("length {n} is out of range (1 to {MAX_LENGTH})"))
        }
        ColumnType::Numeric {
            precision: Some(p),
            scale,
        } if *p == 0 || *p > 1000 || scale.is_some_and(|s| s > *p) => Some(format!(
            "numeric({p}{}) is out of range (precision 1 to 1000, scale at most the precision)",
            scale.map(|s| format!(",{s}")).unwrap_or_default()
        )),
        ColumnType::Numeric {
            precision: None,
            scale: Some(_),
        } => Some("numeric has a scale but no precision".to_string()),
        ColumnType::Enum { name } if !enums.contains(name.as_str()) => Some(format!(
            "enum type `{name}` is not defined; derive PgEnum for it"
        )),
        ColumnType::Array { element } => type_problem(element, enums),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff;
    use crate::model::{Column, EnumType, Table};

    fn enum_table(default: &str) -> Schema {
        let mut t = Table::new("t");
        t.columns = vec![Column {
            default: Some(default.into()),
            ..Column::new("s", ColumnType::Enum { name: "e".into() }, false)
        }];
        Schema {
            tables: vec![t],
            enums: vec![EnumType::new("e", &["a", "b"])],
            ..Schema::default()
        }
    }

    #[test]
    fn enum_values_used_in_the_same_migration_get_a_revision_of_their_own() {
        let live = enum_table("'a'");
        let desired = enum_table("'c'");
        let mut desired = desired;
        desired.enums[0].labels.push("c".into());
        let bodies = revision_bodies("use c", diff(&desired, &live));
        assert_eq!(bodies.len(), 2, "{bodies:#?}");
        assert_eq!(bodies[0].message, "use c (enum values)");
        assert!(bodies[0].upgrade_sql.contains("ADD VALUE 'c'"));
        assert!(bodies[1].upgrade_sql.contains("SET DEFAULT 'c'"));
        // An addition nobody uses yet stays in one revision.
        let mut unused = enum_table("'a'");
        unused.enums[0].labels.push("c".into());
        assert_eq!(revision_bodies("add c", diff(&unused, &live)).len(), 1);
    }

    #[test]
    fn models_postgresql_cannot_store_are_refused() {
        let mut s = enum_table("'a'");
        s.enums.clear();
        assert!(validate(&s)
            .unwrap_err()
            .to_string()
            .contains("enum type `e` is not defined"));
        let mut s = enum_table("'a'");
        s.tables[0].name = "x".repeat(64);
        assert!(validate(&s)
            .unwrap_err()
            .to_string()
            .contains("longer than 63 bytes"));
        let mut s = enum_table("'a'");
        s.tables[0].columns[0].column_type = ColumnType::varchar(0);
        assert!(validate(&s).is_err());
        assert!(validate(&enum_table("'a'")).is_ok());
    }

    #[test]
    fn the_database_must_be_at_the_heads() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let known = |_: &str| true;
        let none = Vec::new;
        assert!(check_at_heads(&ids(&["b"]), &ids(&["b"]), known, none).is_ok());
        assert!(check_at_heads(&[], &[], known, none).is_ok());
        let err = check_at_heads(&ids(&["a"]), &ids(&["b"]), known, || ids(&["b"]))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "the database is at a but the migrations head is b; run `migrate upgrade` first, so the new revision builds on what the files describe");
        let err = check_at_heads(&[], &ids(&["b"]), known, || ids(&["b"]))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("the database is at base (no revision applied)"),
            "{err}"
        );
        let err = check_at_heads(&ids(&["z"]), &ids(&["b"]), |r| r != "z", none)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no migration file defines"), "{err}");
    }

    #[test]
    fn a_head_applied_as_a_dependency_counts_as_applied() {
        // `b` depends on head `d`: after `upgrade heads` only `b` is recorded.
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_at_heads(&ids(&["b"]), &ids(&["b", "d"]), |_| true, Vec::new).is_ok());
    }
}
