//! Autogenerate: the models (desired schema) against the live database
//! (introspection), diffed and rendered into the bodies of revision files.
//! Shared by `migrate revision` and `migrate check`.

use std::collections::BTreeSet;

use sqlx::PgConnection;

use crate::diff::{diff, Change};
use crate::introspect::postgres::introspect_with;
use crate::introspect::{IntrospectError, IntrospectOptions};
use crate::model::naming::MAX_IDENTIFIER_BYTES;
use crate::model::{ColumnType, IndexKey, Schema};
use crate::render::postgres::{literal, PostgreSql};
use crate::render::{render_migration, render_sql};

#[derive(Debug, thiserror::Error)]
pub enum AutogenerateError {
    #[error(transparent)]
    Introspect(#[from] IntrospectError),
    #[error("the models describe something PostgreSQL cannot store: {problem}; fix the model")]
    Unrepresentable { problem: String },
    #[error("the database is at {} but the migrations head is {}; run `migrate upgrade` first, so the new revision builds on what the files describe", at(.current), .heads.join(", "))]
    NotAtHead {
        current: Vec<String>,
        heads: Vec<String>,
    },
    #[error("the database is at revision {}, which no migration file defines; restore the file, or `migrate stamp` the database to a known revision", .unknown.join(", "))]
    UnknownRevision { unknown: Vec<String> },
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
/// Forge's default tables) and diffs.
pub async fn changes(
    conn: &mut PgConnection,
    schema: &str,
    version_table: &str,
    desired: &Schema,
) -> Result<Vec<Change>, AutogenerateError> {
    validate(desired)?;
    // The runner names the history table after the version table.
    let history_table = crate::runner::Bookkeeping::new(version_table).history_table;
    let options = IntrospectOptions::default()
        .ignoring(version_table)
        .ignoring(history_table);
    let live = introspect_with(conn, schema, &options).await?.schema;
    Ok(diff(desired, &live))
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
    let mut relation_names: BTreeSet<&str> = BTreeSet::new();
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
    for table in &schema.tables {
        let t = &table.name;
        if long(t) {
            return problem(format!(
                "table name `{t}` is empty or longer than {MAX_IDENTIFIER_BYTES} bytes"
            ));
        }
        if !relation_names.insert(t) {
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
            if column.identity.is_some() {
                if !matches!(
                    column.column_type,
                    ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
                ) {
                    return problem(format!("column `{t}.{c}` is an identity but of type {}; identities are smallint, integer or bigint", column.column_type));
                }
                if column.nullable {
                    return problem(format!(
                        "identity column `{t}.{c}` is nullable; an identity is always NOT NULL"
                    ));
                }
                if column.default.is_some() {
                    return problem(format!(
                        "identity column `{t}.{c}` also has a default; keep one of them"
                    ));
                }
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
            if !relation_names.insert(&pk.name) {
                return problem(format!("`{}` names two tables, indexes or keys", pk.name));
            }
        }
        for u in &table.uniques {
            named("unique", &u.name)?;
            if let Some(c) = u.columns.iter().find(|c| !has_column(c)) {
                return problem(format!(
                    "unique `{}` names column `{c}`, which table `{t}` does not have",
                    u.name
                ));
            }
            if !constraint_names.insert(&u.name) || !relation_names.insert(&u.name) {
                return problem(format!("`{}` names two constraints or indexes", u.name));
            }
        }
        for i in &table.indexes {
            named("index", &i.name)?;
            if i.keys.is_empty() {
                return problem(format!("index `{}` on table `{t}` has no keys", i.name));
            }
            for key in &i.keys {
                if let IndexKey::Column { name, .. } = key {
                    if !has_column(name) {
                        return problem(format!(
                            "index `{}` names column `{name}`, which table `{t}` does not have",
                            i.name
                        ));
                    }
                }
            }
            if !relation_names.insert(&i.name) {
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
            let Some(target) = schema.table(&fk.referenced_table) else {
                return problem(format!(
                    "foreign key `{}` of `{t}` references table `{}`, which no model defines",
                    fk.name, fk.referenced_table
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
                    fk.name, target.name
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

fn type_problem(column_type: &ColumnType, enums: &BTreeSet<&str>) -> Option<String> {
    const MAX_LENGTH: u32 = 10_485_760;
    match column_type {
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
    use crate::model::{Column, EnumType, Table};

    fn enum_table(default: &str) -> Schema {
        let mut t = Table::new("t");
        t.columns = vec![Column {
            default: Some(default.into()),
            ..Column::new("s", ColumnType::Enum { name: "e".into() }, false)
        }];
        Schema {
            tables: vec![t],
            enums: vec![EnumType {
                name: "e".into(),
                labels: vec!["a".into(), "b".into()],
            }],
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
