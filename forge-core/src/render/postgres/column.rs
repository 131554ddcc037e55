//! Columns: their definition in CREATE TABLE and ADD COLUMN, and every
//! ALTER COLUMN (type and collation, default, generation, identity and
//! serial numbering with their sequences).

use crate::diff::needs_cast;
use crate::model::{expression, naming, Column, ColumnType, Identity, Sequence, TableName};

use super::super::{Context, Statement};
use super::sql::{ident, in_schema, literal, serial_type, table, type_sql};

/// `"name" type [COLLATE c] [NOT NULL] [DEFAULT ... | GENERATED ...]`
pub fn definition(table_name: &TableName, column: &Column) -> String {
    let serial = column.identity == Some(Identity::Serial);
    let type_name = if serial {
        serial_type(&column.column_type).to_string()
    } else {
        type_sql(&column.column_type)
    };
    let mut sql = format!("{} {type_name}", ident(&column.name));
    if let Some(collation) = &column.collation {
        sql.push_str(&format!(" COLLATE {}", ident(collation)));
    }
    if !column.nullable || column.identity.is_some() {
        sql.push_str(" NOT NULL");
    }
    match (column.identity, &column.generated, &column.default) {
        (Some(Identity::Serial), _, _) => {}
        (Some(identity), _, _) => {
            sql.push(' ');
            sql.push_str(&identity_clause(table_name, identity, column));
        }
        (None, Some(generated), _) => {
            sql.push_str(&format!(" GENERATED ALWAYS AS ({generated}) STORED"));
        }
        (None, None, Some(default)) => {
            sql.push_str(" DEFAULT ");
            sql.push_str(default);
        }
        (None, None, None) => {}
    }
    sql
}

/// `GENERATED ALWAYS AS IDENTITY [(SEQUENCE NAME ... START WITH ...)]`
fn identity_clause(table_name: &TableName, identity: Identity, column: &Column) -> String {
    let kind = match identity {
        Identity::Always => "ALWAYS",
        _ => "BY DEFAULT",
    };
    let mut sql = format!("GENERATED {kind} AS IDENTITY");
    let mut options = Vec::new();
    if let Some(name) = unconventional_sequence_name(table_name, column) {
        options.push(format!("SEQUENCE NAME {name}"));
    }
    if let Some(canonical) = Sequence::canonical(column.sequence.as_ref(), &column.column_type) {
        options.push(options_sql(&canonical, &column.column_type, false));
    }
    if !options.is_empty() {
        sql.push_str(&format!(" ({})", options.join(" ")));
    }
    sql
}

/// The sequence's name when it is not PostgreSQL's own choice
/// (`<table>_<column>_seq`), qualified like its table.
fn unconventional_sequence_name(table_name: &TableName, column: &Column) -> Option<String> {
    let name = column.sequence.as_ref()?.name.as_deref()?;
    (name != naming::sequence(&table_name.name, &column.name))
        .then(|| in_schema(table_name.schema.as_deref(), name))
}

/// What `serial` in CREATE TABLE or ADD COLUMN leaves to do for a sequence
/// read from a database: its name, when PostgreSQL's choice was renamed
/// since, and its options, when not the defaults (the models ask for
/// neither; a script that recreates the database must).
pub fn serial_sequence(table_name: &TableName, column: &Column) -> Vec<Statement> {
    if column.identity != Some(Identity::Serial) {
        return Vec::new();
    }
    let conventional = in_schema(
        table_name.schema.as_deref(),
        &naming::sequence(&table_name.name, &column.name),
    );
    let mut out = Vec::new();
    let mut current = conventional.clone();
    if let Some(renamed) = unconventional_sequence_name(table_name, column) {
        let bare = column
            .sequence
            .as_ref()
            .and_then(|s| s.name.clone())
            .unwrap_or_default();
        out.push(Statement::new(format!(
            "ALTER SEQUENCE {conventional} RENAME TO {};",
            ident(&bare)
        )));
        current = renamed;
    }
    if let Some(options) = Sequence::canonical(column.sequence.as_ref(), &column.column_type) {
        let restart = if options.start.is_some() {
            " RESTART"
        } else {
            ""
        };
        out.push(Statement::new(format!(
            "ALTER SEQUENCE {current} {}{restart};",
            options_sql(&options, &column.column_type, false)
        )));
    }
    out
}

/// The sequence options as `CREATE`-style clauses (`START WITH 10 INCREMENT
/// BY 2`), or with `all` every option spelled out as `SET` clauses, so an
/// ALTER leaves nothing of the old options behind.
fn options_sql(options: &Sequence, column_type: &ColumnType, all: bool) -> String {
    let effective = options.values(column_type);
    let mut parts = Vec::new();
    let mut push = |explicit: bool, clause: String| {
        if all {
            parts.push(format!("SET {clause}"));
        } else if explicit {
            parts.push(clause);
        }
    };
    push(
        options.increment.is_some(),
        format!("INCREMENT BY {}", effective.increment),
    );
    push(
        options.min_value.is_some(),
        format!("MINVALUE {}", effective.min_value),
    );
    push(
        options.max_value.is_some(),
        format!("MAXVALUE {}", effective.max_value),
    );
    push(
        options.start.is_some(),
        format!("START WITH {}", effective.start),
    );
    push(
        options.cache.is_some(),
        format!("CACHE {}", effective.cache),
    );
    if all {
        parts.push(
            if options.cycle {
                "SET CYCLE"
            } else {
                "SET NO CYCLE"
            }
            .to_string(),
        );
    } else if options.cycle {
        parts.push("CYCLE".to_string());
    }
    parts.join(" ")
}

pub fn add(table_name: &TableName, column: &Column, context: &Context) -> Vec<Statement> {
    let mut statement = Statement::new(format!(
        "ALTER TABLE {} ADD COLUMN {};",
        table(table_name),
        definition(table_name, column)
    ));
    let t = &table_name.name;
    if context.is_existing(table_name) {
        if !column.nullable
            && column.default.is_none()
            && column.identity.is_none()
            && column.generated.is_none()
        {
            statement = statement.warn(format!(
                "fails if {t} has rows: {} is NOT NULL without a default; add it nullable, fill it, then set NOT NULL",
                column.name
            ));
        } else if column.identity.is_some()
            || column.generated.is_some()
            || column
                .default
                .as_deref()
                .is_some_and(expression::calls_volatile_function)
        {
            statement = statement.warn(format!(
                "rewrites table {t} under an ACCESS EXCLUSIVE lock: {} is filled with a value per row",
                column.name
            ));
        }
    }
    let mut out = vec![statement];
    out.extend(serial_sequence(table_name, column));
    if has_comment(&column.comment) {
        out.push(comment(table_name, &column.name, &column.comment));
    }
    out
}

pub fn drop(table_name: &TableName, column: &Column) -> Statement {
    Statement::new(format!(
        "ALTER TABLE {} DROP COLUMN {};",
        table(table_name),
        ident(&column.name)
    ))
    .warn(format!(
        "drops column {table_name}.{} and its data",
        column.name
    ))
}

pub fn has_comment(comment: &Option<String>) -> bool {
    comment.as_deref().is_some_and(|c| !c.trim().is_empty())
}

pub fn comment_value(comment: &Option<String>) -> String {
    match comment.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(c) => literal(c),
        None => "NULL".to_string(),
    }
}

pub fn comment(table_name: &TableName, column: &str, value: &Option<String>) -> Statement {
    Statement::new(format!(
        "COMMENT ON COLUMN {}.{} IS {};",
        table(table_name),
        ident(column),
        comment_value(value)
    ))
}

pub fn alter(table_name: &TableName, column: &str, action: &str) -> String {
    format!(
        "ALTER TABLE {} ALTER COLUMN {} {action};",
        table(table_name),
        ident(column)
    )
}

/// `USING` expression for a type change without an assignment cast.
fn using_cast(column: &str, from: &ColumnType, to: &ColumnType) -> Option<String> {
    if !needs_cast(from, to) {
        return None;
    }
    let through_text = from.enum_name().is_some() || to.enum_name().is_some();
    let text = match from {
        ColumnType::Array { .. } => "text[]",
        _ => "text",
    };
    Some(if through_text {
        format!("{}::{text}::{}", ident(column), type_sql(to))
    } else {
        format!("{}::{}", ident(column), type_sql(to))
    })
}

/// Whether PostgreSQL changes the type without rewriting the table.
fn binary_coercible(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType::*;
    match (from, to) {
        _ if from == to => true,
        (Varchar { length: Some(a) }, Varchar { length: Some(b) }) => b >= a,
        (Varchar { .. } | Text, Varchar { length: None } | Text) => true,
        (
            Numeric {
                precision: Some(p1),
                scale: s1,
            },
            Numeric {
                precision: Some(p2),
                scale: s2,
            },
        ) => s1 == s2 && p2 >= p1,
        (
            Numeric { .. },
            Numeric {
                precision: None, ..
            },
        ) => true,
        (Timestamp { precision: a }, Timestamp { precision: b })
        | (TimestampTz { precision: a }, TimestampTz { precision: b })
        | (Time { precision: a }, Time { precision: b })
        | (TimeTz { precision: a }, TimeTz { precision: b }) => b.unwrap_or(6) >= a.unwrap_or(6),
        _ => false,
    }
}

/// Whether every value of `from` fits in `to` unchanged.
fn widening(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType::*;
    if binary_coercible(from, to) {
        return true;
    }
    let rank = |t: &ColumnType| match t {
        SmallInt => Some(1),
        Integer => Some(2),
        BigInt => Some(3),
        Numeric {
            precision: None, ..
        } => Some(4),
        _ => None,
    };
    match (from, to) {
        (a, b) if rank(a).is_some() && rank(b).is_some() => rank(b) >= rank(a),
        (Real, Double) | (SmallInt | Integer, Double) | (SmallInt, Real) => true,
        // Every scalar has a text form.
        (from, Text | Varchar { length: None }) if !matches!(from, Array { .. } | Bytes) => true,
        (Char { length: a }, Varchar { length: Some(b) }) => b >= a,
        (Json, Jsonb)
        | (Jsonb, Json)
        | (Timestamp { .. }, TimestampTz { .. })
        | (Date, Timestamp { .. } | TimestampTz { .. }) => true,
        _ => false,
    }
}

pub fn alter_type(
    table_name: &TableName,
    column: &str,
    (from, to): (&ColumnType, &ColumnType),
    (from_collation, to_collation): (&Option<String>, &Option<String>),
) -> Statement {
    let mut action = format!("TYPE {}", type_sql(to));
    // Without COLLATE the column takes the type's default collation.
    if let Some(collation) = to_collation {
        action.push_str(&format!(" COLLATE {}", ident(collation)));
    }
    if let Some(using) = using_cast(column, from, to) {
        action.push_str(" USING ");
        action.push_str(&using);
    }
    let t = &table_name.name;
    let mut statement = Statement::new(alter(table_name, column, &action));
    if !widening(from, to) {
        statement = statement.warn(format!(
            "may lose data or fail: {t}.{column} changes from {from} to {to}, and values that do not convert make it fail"
        ));
    }
    if from == to && from_collation != to_collation {
        statement = statement.warn(format!(
            "rebuilds the indexes on {t}.{column} under an ACCESS EXCLUSIVE lock (collation {} -> {})",
            from_collation.as_deref().unwrap_or("default"),
            to_collation.as_deref().unwrap_or("default")
        ));
    } else if !binary_coercible(from, to) {
        statement = statement.warn(format!(
            "rewrites table {t} under an ACCESS EXCLUSIVE lock ({column}: {from} -> {to})"
        ));
    }
    statement
}

/// A column that stops being generated keeps its values (`DROP EXPRESSION`);
/// one that starts being generated, or computes something else, is dropped
/// and added again, its values computed anew.
pub fn alter_generation(table_name: &TableName, from: &Column, to: &Column) -> Vec<Statement> {
    if to.generated.is_none() {
        return vec![Statement::new(alter(
            table_name,
            &to.name,
            "DROP EXPRESSION",
        ))];
    }
    let t = &table_name.name;
    let mut out = vec![Statement::new(format!(
        "ALTER TABLE {} DROP COLUMN {};",
        table(table_name),
        ident(&from.name)
    ))
    .warn(format!(
        "drops {t}.{} and adds it back as GENERATED ALWAYS AS ({}): its values are computed anew and the table is rewritten",
        from.name,
        to.generated.as_deref().unwrap_or_default()
    ))];
    out.push(Statement::new(format!(
        "ALTER TABLE {} ADD COLUMN {};",
        table(table_name),
        definition(table_name, to)
    )));
    if has_comment(&to.comment) {
        out.push(comment(table_name, &to.name, &to.comment));
    }
    out
}

/// The sequence a serial column owns: the name read from the database, or
/// PostgreSQL's convention.
fn sequence_name(table_name: &TableName, column: &Column) -> String {
    let name = column
        .sequence
        .as_ref()
        .and_then(|s| s.name.clone())
        .unwrap_or_else(|| naming::sequence(&table_name.name, &column.name));
    in_schema(table_name.schema.as_deref(), &name)
}

/// Moves a new sequence past the values the table already holds, so the
/// next row does not collide with an old one (no row: nothing to move).
fn move_past_rows(table_name: &TableName, column: &str, sequence: &str) -> Statement {
    Statement::new(format!(
        "SELECT setval({}::regclass, max({})) FROM {} HAVING max({}) IS NOT NULL;",
        literal(sequence),
        ident(column),
        table(table_name),
        ident(column)
    ))
}

/// The column starts being numbered: `ADD GENERATED ... AS IDENTITY`, or a
/// serial's owned sequence and default.
pub fn add_identity(table_name: &TableName, column: &Column) -> Vec<Statement> {
    match column.identity {
        Some(Identity::Serial) => {
            let sequence = sequence_name(table_name, column);
            let as_type = match column.column_type {
                ColumnType::SmallInt => "smallint",
                ColumnType::BigInt => "bigint",
                _ => "integer",
            };
            vec![
                Statement::new(format!(
                    "CREATE SEQUENCE {sequence} AS {as_type} OWNED BY {}.{};",
                    table(table_name),
                    ident(&column.name)
                )),
                Statement::new(alter(
                    table_name,
                    &column.name,
                    &format!("SET DEFAULT nextval({}::regclass)", literal(&sequence)),
                )),
                move_past_rows(table_name, &column.name, &sequence),
            ]
        }
        Some(identity) => {
            let mut out = vec![Statement::new(alter(
                table_name,
                &column.name,
                &format!("ADD {}", identity_clause(table_name, identity, column)),
            ))];
            let descending = column
                .sequence
                .as_ref()
                .and_then(|s| s.increment)
                .is_some_and(|i| i < 0);
            let ascending = !descending;
            if ascending {
                let sequence = format!(
                    "pg_get_serial_sequence({}, {})",
                    literal(&table(table_name)),
                    literal(&column.name)
                );
                out.push(Statement::new(format!(
                    "SELECT setval({sequence}, max({})) FROM {} HAVING max({}) IS NOT NULL;",
                    ident(&column.name),
                    table(table_name),
                    ident(&column.name)
                )));
            }
            out
        }
        None => Vec::new(),
    }
}

/// The column stops being numbered: `DROP IDENTITY`, or a serial's default
/// and sequence dropped.
pub fn drop_identity(table_name: &TableName, column: &Column) -> Vec<Statement> {
    match column.identity {
        Some(Identity::Serial) => vec![
            Statement::new(alter(table_name, &column.name, "DROP DEFAULT")),
            Statement::new(format!(
                "DROP SEQUENCE {};",
                sequence_name(table_name, column)
            )),
        ],
        Some(_) => vec![Statement::new(alter(
            table_name,
            &column.name,
            "DROP IDENTITY",
        ))],
        None => Vec::new(),
    }
}

pub fn set_identity_kind(table_name: &TableName, column: &str, to: Identity) -> Statement {
    let kind = match to {
        Identity::Always => "ALWAYS",
        _ => "BY DEFAULT",
    };
    Statement::new(alter(table_name, column, &format!("SET GENERATED {kind}")))
}

/// Every option set, so the sequence ends up exactly as the model says.
pub fn set_sequence_options(
    table_name: &TableName,
    column: &str,
    column_type: &ColumnType,
    to: &Option<Sequence>,
) -> Statement {
    let options = to.clone().unwrap_or_default();
    Statement::new(alter(
        table_name,
        column,
        &options_sql(&options, column_type, true),
    ))
}

pub fn rename_sequence(table_name: &TableName, from: &str, to: &str) -> Statement {
    Statement::new(format!(
        "ALTER SEQUENCE {} RENAME TO {};",
        in_schema(table_name.schema.as_deref(), from),
        ident(to)
    ))
}
