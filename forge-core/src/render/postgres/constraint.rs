//! Tables, keys, constraints and indexes: CREATE TABLE with everything in
//! it, and each constraint or index added, dropped or renamed on its own.

use crate::model::{
    CheckConstraint, ForeignKey, Index, IndexKey, KeyTarget, MatchType, NullsOrder, PrimaryKey,
    Table, TableName, UniqueConstraint,
};

use super::super::Statement;
use super::column;
use super::sql::{ident, idents, in_schema, table};

pub fn create_table(t: &Table) -> Vec<Statement> {
    let name = t.qualified_name();
    let mut lines: Vec<String> = t
        .columns
        .iter()
        .map(|c| column::definition(&name, c))
        .collect();
    lines.extend(t.primary_key.iter().map(primary_key_clause));
    lines.extend(t.uniques.iter().map(unique_clause));
    // NOT VALID inside CREATE TABLE is silently validated: those come after.
    lines.extend(
        t.foreign_keys
            .iter()
            .filter(|fk| !fk.not_valid)
            .map(foreign_key_clause),
    );
    lines.extend(t.checks.iter().filter(|c| !c.not_valid).map(check_clause));
    let partitioning = t
        .partition_by
        .as_ref()
        .map(|p| format!(" PARTITION BY {p}"))
        .unwrap_or_default();
    let mut out = vec![Statement::new(format!(
        "CREATE TABLE {} (\n    {}\n){partitioning};",
        table(&name),
        lines.join(",\n    ")
    ))];
    for c in &t.columns {
        out.extend(column::serial_sequence(&name, c));
    }
    out.extend(
        t.foreign_keys
            .iter()
            .filter(|fk| fk.not_valid)
            .map(|fk| Statement::new(add(&name, foreign_key_clause(fk)))),
    );
    out.extend(
        t.checks
            .iter()
            .filter(|c| c.not_valid)
            .map(|c| Statement::new(add(&name, check_clause(c)))),
    );
    out.extend(
        t.indexes
            .iter()
            .map(|i| Statement::new(create_index(&name, i))),
    );
    if column::has_comment(&t.comment) {
        out.push(table_comment(&name, &t.comment));
    }
    for c in &t.columns {
        if column::has_comment(&c.comment) {
            out.push(column::comment(&name, &c.name, &c.comment));
        }
    }
    out
}

pub fn table_comment(name: &TableName, comment: &Option<String>) -> Statement {
    Statement::new(format!(
        "COMMENT ON TABLE {} IS {};",
        table(name),
        column::comment_value(comment)
    ))
}

pub fn foreign_key_clause(fk: &ForeignKey) -> String {
    let mut sql = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        ident(&fk.name),
        idents(&fk.columns),
        table(&fk.referenced()),
        idents(&fk.referenced_columns)
    );
    if fk.match_type == MatchType::Full {
        sql.push_str(" MATCH FULL");
    }
    if !fk.on_delete.is_default() {
        sql.push_str(" ON DELETE ");
        sql.push_str(fk.on_delete.sql());
    }
    if !fk.on_update.is_default() {
        sql.push_str(" ON UPDATE ");
        sql.push_str(fk.on_update.sql());
    }
    if !fk.deferrable.is_default() {
        sql.push(' ');
        sql.push_str(fk.deferrable.sql());
    }
    if fk.not_valid {
        sql.push_str(" NOT VALID");
    }
    sql
}

pub fn primary_key_clause(pk: &PrimaryKey) -> String {
    format!(
        "CONSTRAINT {} PRIMARY KEY ({})",
        ident(&pk.name),
        idents(&pk.columns)
    )
}

pub fn unique_clause(unique: &UniqueConstraint) -> String {
    let mut sql = format!(
        "CONSTRAINT {} UNIQUE{} ({})",
        ident(&unique.name),
        if unique.nulls_not_distinct {
            " NULLS NOT DISTINCT"
        } else {
            ""
        },
        idents(&unique.columns)
    );
    if !unique.include.is_empty() {
        sql.push_str(&format!(" INCLUDE ({})", idents(&unique.include)));
    }
    if !unique.deferrable.is_default() {
        sql.push(' ');
        sql.push_str(unique.deferrable.sql());
    }
    sql
}

/// `NOT VALID` only where PostgreSQL keeps it: in `ALTER TABLE ... ADD`.
pub fn check_clause(check: &CheckConstraint) -> String {
    let mut sql = format!(
        "CONSTRAINT {} CHECK ({})",
        ident(&check.name),
        check.expression
    );
    if check.no_inherit {
        sql.push_str(" NO INHERIT");
    }
    if check.not_valid {
        sql.push_str(" NOT VALID");
    }
    sql
}

pub fn add(table_name: &TableName, clause: String) -> String {
    format!("ALTER TABLE {} ADD {clause};", table(table_name))
}

pub fn drop(table_name: &TableName, name: &str) -> String {
    format!(
        "ALTER TABLE {} DROP CONSTRAINT {};",
        table(table_name),
        ident(name)
    )
}

pub fn rename(table_name: &TableName, from: &str, to: &str) -> String {
    format!(
        "ALTER TABLE {} RENAME CONSTRAINT {} TO {};",
        table(table_name),
        ident(from),
        ident(to)
    )
}

/// One index key: the column or `(expression)`, then its collation,
/// operator class, direction and NULLS order.
pub fn index_key(key: &IndexKey) -> String {
    let mut sql = match &key.target {
        KeyTarget::Column(name) => ident(name),
        KeyTarget::Expression(expression) => format!("({expression})"),
    };
    if let Some(collation) = &key.collation {
        sql.push_str(&format!(" COLLATE {}", ident(collation)));
    }
    if let Some(opclass) = &key.opclass {
        sql.push(' ');
        sql.push_str(opclass);
    }
    if key.descending {
        sql.push_str(" DESC");
    }
    match key.nulls {
        Some(NullsOrder::First) => sql.push_str(" NULLS FIRST"),
        Some(NullsOrder::Last) => sql.push_str(" NULLS LAST"),
        None => {}
    }
    sql
}

pub fn create_index(table_name: &TableName, index: &Index) -> String {
    let mut sql = format!(
        "CREATE {}INDEX {} ON {}",
        if index.unique { "UNIQUE " } else { "" },
        ident(&index.name),
        table(table_name)
    );
    if let Some(method) = &index.method {
        sql.push_str(&format!(" USING {method}"));
    }
    let keys: Vec<String> = index.keys.iter().map(index_key).collect();
    sql.push_str(&format!(" ({})", keys.join(", ")));
    if !index.include.is_empty() {
        sql.push_str(&format!(" INCLUDE ({})", idents(&index.include)));
    }
    if index.nulls_not_distinct {
        sql.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(predicate) = &index.predicate {
        sql.push_str(&format!(" WHERE {predicate}"));
    }
    sql.push(';');
    sql
}

pub fn drop_index(table_name: &TableName, index: &Index) -> String {
    format!(
        "DROP INDEX {};",
        in_schema(table_name.schema.as_deref(), &index.name)
    )
}

pub fn rename_index(table_name: &TableName, from: &str, to: &str) -> String {
    format!(
        "ALTER INDEX {} RENAME TO {};",
        in_schema(table_name.schema.as_deref(), from),
        ident(to)
    )
}
