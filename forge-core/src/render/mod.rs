//! Rendering changes to SQL, one module per dialect behind [`Dialect`]. A
//! statement a reviewer must look at twice (it loses data, rewrites a table or
//! holds a long lock) comes with `-- forge:warning <why>` lines above it.

pub mod postgres;

use std::collections::BTreeSet;

use crate::diff::Change;
use crate::model::TableName;

/// One SQL statement (terminated by `;`) and why it deserves a second look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sql: String,
    pub warnings: Vec<String>,
}

impl Statement {
    pub fn new(sql: impl Into<String>) -> Self {
        let mut sql = sql.into();
        if !sql.trim_end().ends_with(';') {
            sql.push(';');
        }
        Statement {
            sql,
            warnings: Vec::new(),
        }
    }

    pub fn warn(mut self, why: impl Into<String>) -> Self {
        self.warnings.push(why.into());
        self
    }
}

/// What a change's rendering may need to know about the rest of its script.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Tables the script creates: work on them holds no lock anyone waits on.
    pub created_tables: BTreeSet<TableName>,
}

impl Context {
    pub fn for_changes(changes: &[Change]) -> Self {
        let created_tables = changes
            .iter()
            .filter_map(|c| match c {
                Change::CreateTable(t) => Some(t.qualified_name()),
                _ => None,
            })
            .collect();
        Context { created_tables }
    }

    /// Whether `table` holds data when the statement runs.
    pub fn is_existing(&self, table: &TableName) -> bool {
        !self.created_tables.contains(table)
    }
}

/// A SQL dialect: how each change is spelled.
pub trait Dialect {
    /// The statements of one change, in order.
    fn render(&self, change: &Change, context: &Context) -> Vec<Statement>;
}

/// The SQL of `changes`: each change's statements, a blank line between
/// changes, warnings as `-- forge:warning` lines above their statement.
pub fn render_sql(dialect: &dyn Dialect, changes: &[Change]) -> String {
    let context = Context::for_changes(changes);
    let mut blocks = Vec::new();
    for change in changes {
        let mut block = String::new();
        for statement in dialect.render(change, &context) {
            for warning in &statement.warnings {
                block.push_str("-- forge:warning ");
                block.push_str(warning);
                block.push('\n');
            }
            block.push_str(&statement.sql);
            block.push('\n');
        }
        blocks.push(block);
    }
    blocks.join("\n")
}

/// The downgrade of `changes`: their inverses in reverse order.
pub fn inverse(changes: &[Change]) -> Vec<Change> {
    changes.iter().rev().map(Change::inverse).collect()
}

/// Both sections of a migration file for `changes`.
pub fn render_migration(dialect: &dyn Dialect, changes: &[Change]) -> (String, String) {
    (
        render_sql(dialect, changes),
        render_sql(dialect, &inverse(changes)),
    )
}

/// Whether any statement of the script carries a warning.
pub fn has_warnings(dialect: &dyn Dialect, changes: &[Change]) -> bool {
    let context = Context::for_changes(changes);
    changes.iter().any(|c| {
        dialect
            .render(c, &context)
            .iter()
            .any(|s| !s.warnings.is_empty())
    })
}
