//! The PostgreSQL dialect: each [`Change`] spelled as the statements
//! PostgreSQL runs, written by hand with quoted identifiers and literals
//! (`sql`), one module per kind of object: columns (`column`), tables,
//! constraints and indexes (`constraint`), enum types (`enums`).
//! Expressions (defaults, checks, predicates) are rendered as the model
//! holds them: the user's text, or PostgreSQL's own for what was read back.

mod column;
mod constraint;
mod enums;
mod sql;
mod unmanaged;

pub use constraint::index_key;
pub use sql::{ident, literal, table as qualified, type_sql};

use crate::diff::{diff, Change};
use crate::model::Schema;

use super::{Context, Dialect, Statement};

/// PostgreSQL 12 or later (enum values added inside a transaction block;
/// `NULLS NOT DISTINCT` needs 15, `DROP EXPRESSION` 13).
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgreSql;

/// The DDL that creates `schema` in an empty database: schemas, enum types,
/// then tables in dependency order with their keys, indexes, constraints and
/// comments, and the objects Forge does not manage where they belong among
/// them (see `unmanaged`).
pub fn schema_ddl(schema: &Schema) -> String {
    let changes = diff(schema, &Schema::default());
    if schema.unmanaged.is_empty() {
        super::render_sql(&PostgreSql, &changes)
    } else {
        unmanaged::script(schema, &changes)
    }
}

/// The lock warning of a constraint or index built over an existing table.
fn lock_warning(
    statement: Statement,
    table: &crate::model::TableName,
    context: &Context,
    why: &str,
) -> Statement {
    if context.is_existing(table) {
        statement.warn(format!("long lock on table {}: {why}", table.name))
    } else {
        statement
    }
}

impl Dialect for PostgreSql {
    fn render(&self, change: &Change, context: &Context) -> Vec<Statement> {
        use Change::*;
        let one = |sql: String| vec![Statement::new(sql)];
        match change {
            CreateSchema { schema } => one(format!("CREATE SCHEMA {};", ident(schema))),
            DropSchema { schema } => one(format!("DROP SCHEMA {};", ident(schema))),
            CreateEnum(e) => vec![enums::create(&e.name, &e.labels)],
            DropEnum(e) => vec![Statement::new(format!("DROP TYPE {};", ident(&e.name))).warn(
                format!("drops enum type {} (labels {})", e.name, e.labels.join(", ")),
            )],
            AddEnumValue {
                name,
                value,
                position,
                ..
            } => vec![enums::add_value(name, value, position)],
            RenameEnumValue { name, from, to } => vec![enums::rename_value(name, from, to)],
            RecreateEnum {
                name,
                from,
                to,
                columns,
            } => enums::recreate(name, from, to, columns),
            CreateTable(t) => constraint::create_table(t),
            DropTable(t) => vec![Statement::new(format!(
                "DROP TABLE {};",
                qualified(&t.qualified_name())
            ))
            .warn(format!("drops table {} and every row in it", t.name))],
            RenameTable { from, to } => one(format!(
                "ALTER TABLE {} RENAME TO {};",
                qualified(from),
                ident(&to.name)
            )),
            AddColumn { table, column } => column::add(table, column, context),
            DropColumn { table, column } => vec![column::drop(table, column)],
            RenameColumn { table, from, to } => one(format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {};",
                qualified(table),
                ident(from),
                ident(to)
            )),
            AlterColumnType {
                table,
                column,
                from,
                to,
                from_collation,
                to_collation,
            } => vec![column::alter_type(
                table,
                column,
                (from, to),
                (from_collation, to_collation),
            )],
            AlterColumnNullability {
                table,
                column,
                nullable: true,
            } => one(column::alter(table, column, "DROP NOT NULL")),
            AlterColumnNullability {
                table,
                column,
                nullable: false,
            } => vec![Statement::new(column::alter(table, column, "SET NOT NULL")).warn(format!(
                "scans table {} under an ACCESS EXCLUSIVE lock, and fails if {column} holds NULLs; fill them first",
                table.name
            ))],
            AlterColumnDefault {
                table,
                column,
                to: Some(default),
                ..
            } => one(column::alter(table, column, &format!("SET DEFAULT {default}"))),
            AlterColumnDefault {
                table,
                column,
                to: None,
                ..
            } => one(column::alter(table, column, "DROP DEFAULT")),
            AlterColumnGeneration { table, from, to } => column::alter_generation(table, from, to),
            AddIdentity { table, column } => column::add_identity(table, column),
            DropIdentity { table, column } => column::drop_identity(table, column),
            AlterColumnIdentity {
                table, column, to, ..
            } => vec![column::set_identity_kind(table, column, *to)],
            AlterColumnSequence {
                table,
                column,
                column_type,
                to,
                ..
            } => vec![column::set_sequence_options(table, column, column_type, to)],
            RenameSequence { table, from, to } => vec![column::rename_sequence(table, from, to)],
            SetColumnComment {
                table, column, to, ..
            } => vec![column::comment(table, column, to)],
            SetTableComment { table, to, .. } => vec![constraint::table_comment(table, to)],
            AddPrimaryKey { table, primary_key } => vec![lock_warning(
                Statement::new(constraint::add(
                    table,
                    constraint::primary_key_clause(primary_key),
                )),
                table,
                context,
                "builds a unique index while blocking writes, and fails on duplicates or NULLs",
            )],
            DropPrimaryKey { table, primary_key } => {
                one(constraint::drop(table, &primary_key.name))
            }
            CreateIndex { table, index } => vec![lock_warning(
                Statement::new(constraint::create_index(table, index)),
                table,
                context,
                "builds the index while blocking writes (for a large table, write CREATE INDEX CONCURRENTLY in a migration with `-- forge:transaction off`)",
            )],
            DropIndex { table, index } => one(constraint::drop_index(table, index)),
            RenameIndex { table, from, to } => one(constraint::rename_index(table, from, to)),
            AddUnique { table, unique } => vec![lock_warning(
                Statement::new(constraint::add(table, constraint::unique_clause(unique))),
                table,
                context,
                "builds a unique index while blocking writes, and fails on duplicates",
            )],
            DropUnique { table, unique } => one(constraint::drop(table, &unique.name)),
            AddForeignKey { table, foreign_key } => vec![lock_warning(
                Statement::new(constraint::add(
                    table,
                    constraint::foreign_key_clause(foreign_key),
                )),
                table,
                context,
                "checks every row while blocking writes (for a large table, add it NOT VALID and VALIDATE CONSTRAINT in a later migration)",
            )],
            DropForeignKey { table, foreign_key } => {
                one(constraint::drop(table, &foreign_key.name))
            }
            AddCheck { table, check } => vec![lock_warning(
                Statement::new(constraint::add(table, constraint::check_clause(check))),
                table,
                context,
                "checks every row under an ACCESS EXCLUSIVE lock (for a large table, add it NOT VALID and VALIDATE CONSTRAINT in a later migration)",
            )],
            DropCheck { table, check } => one(constraint::drop(table, &check.name)),
            RenameConstraint { table, from, to } => one(constraint::rename(table, from, to)),
        }
    }
}

#[cfg(test)]
mod tests;
