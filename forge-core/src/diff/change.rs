//! [`Change`]: one step from the live schema towards the desired one, with the
//! data to render it and to undo it ([`Change::inverse`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{
    CheckConstraint, Column, ColumnType, EnumType, ForeignKey, Identity, Index, PrimaryKey, Table,
    UniqueConstraint,
};

/// One schema change. The downgrade of a list of changes is the inverse of
/// each, in reverse order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    CreateEnum(EnumType),
    DropEnum(EnumType),
    /// `ALTER TYPE ... ADD VALUE`. `labels_before` and `columns` let the
    /// inverse rebuild the type without the value (PostgreSQL cannot drop one).
    AddEnumValue {
        name: String,
        value: String,
        position: EnumValuePosition,
        labels_before: Vec<String>,
        columns: Vec<EnumColumn>,
    },
    /// Labels removed or reordered: the type is rebuilt and its columns cast
    /// through text (fails on rows that hold a removed label).
    RecreateEnum {
        name: String,
        from: Vec<String>,
        to: Vec<String>,
        columns: Vec<EnumColumn>,
    },
    /// The whole table: columns, keys, indexes, constraints and comments
    /// (foreign keys of a cycle come as separate [`Change::AddForeignKey`]).
    CreateTable(Table),
    /// The whole table as it was, so the inverse recreates it.
    DropTable(Table),
    RenameTable {
        from: String,
        to: String,
    },
    AddColumn {
        table: String,
        column: Column,
    },
    DropColumn {
        table: String,
        column: Column,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    AlterColumnType {
        table: String,
        column: String,
        from: ColumnType,
        to: ColumnType,
    },
    AlterColumnNullability {
        table: String,
        column: String,
        nullable: bool,
    },
    AlterColumnDefault {
        table: String,
        column: String,
        from: Option<String>,
        to: Option<String>,
    },
    AlterColumnIdentity {
        table: String,
        column: String,
        from: Option<Identity>,
        to: Option<Identity>,
    },
    SetColumnComment {
        table: String,
        column: String,
        from: Option<String>,
        to: Option<String>,
    },
    SetTableComment {
        table: String,
        from: Option<String>,
        to: Option<String>,
    },
    AddPrimaryKey {
        table: String,
        primary_key: PrimaryKey,
    },
    DropPrimaryKey {
        table: String,
        primary_key: PrimaryKey,
    },
    CreateIndex {
        table: String,
        index: Index,
    },
    DropIndex {
        table: String,
        index: Index,
    },
    RenameIndex {
        table: String,
        from: String,
        to: String,
    },
    AddUnique {
        table: String,
        unique: UniqueConstraint,
    },
    DropUnique {
        table: String,
        unique: UniqueConstraint,
    },
    AddForeignKey {
        table: String,
        foreign_key: ForeignKey,
    },
    DropForeignKey {
        table: String,
        foreign_key: ForeignKey,
    },
    AddCheck {
        table: String,
        check: CheckConstraint,
    },
    DropCheck {
        table: String,
        check: CheckConstraint,
    },
    /// A primary key, unique, foreign key or check whose definition is
    /// unchanged but whose name differs (e.g. after a table rename).
    RenameConstraint {
        table: String,
        from: String,
        to: String,
    },
}

/// Where `ALTER TYPE ... ADD VALUE` puts the new label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnumValuePosition {
    End,
    Before(String),
    After(String),
}

/// A column whose type is (an array of) an enum, as it is when the enum
/// changes: rebuilding the type casts it, dropping and restoring its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumColumn {
    pub table: String,
    pub column: String,
    pub array: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

impl Change {
    /// The change that undoes this one.
    pub fn inverse(&self) -> Change {
        use Change::*;
        match self.clone() {
            CreateEnum(e) => DropEnum(e),
            DropEnum(e) => CreateEnum(e),
            AddEnumValue {
                name,
                value,
                position,
                labels_before,
                columns,
            } => {
                let from = labels_after(&labels_before, &value, &position);
                RecreateEnum {
                    name,
                    from,
                    to: labels_before,
                    columns,
                }
            }
            RecreateEnum {
                name,
                from,
                to,
                columns,
            } => RecreateEnum {
                name,
                from: to,
                to: from,
                columns,
            },
            CreateTable(t) => DropTable(t),
            DropTable(t) => CreateTable(t),
            RenameTable { from, to } => RenameTable { from: to, to: from },
            AddColumn { table, column } => DropColumn { table, column },
            DropColumn { table, column } => AddColumn { table, column },
            RenameColumn { table, from, to } => RenameColumn {
                table,
                from: to,
                to: from,
            },
            AlterColumnType {
                table,
                column,
                from,
                to,
            } => AlterColumnType {
                table,
                column,
                from: to,
                to: from,
            },
            AlterColumnNullability {
                table,
                column,
                nullable,
            } => AlterColumnNullability {
                table,
                column,
                nullable: !nullable,
            },
            AlterColumnDefault {
                table,
                column,
                from,
                to,
            } => AlterColumnDefault {
                table,
                column,
                from: to,
                to: from,
            },
            AlterColumnIdentity {
                table,
                column,
                from,
                to,
            } => AlterColumnIdentity {
                table,
                column,
                from: to,
                to: from,
            },
            SetColumnComment {
                table,
                column,
                from,
                to,
            } => SetColumnComment {
                table,
                column,
                from: to,
                to: from,
            },
            SetTableComment { table, from, to } => SetTableComment {
                table,
                from: to,
                to: from,
            },
            AddPrimaryKey { table, primary_key } => DropPrimaryKey { table, primary_key },
            DropPrimaryKey { table, primary_key } => AddPrimaryKey { table, primary_key },
            CreateIndex { table, index } => DropIndex { table, index },
            DropIndex { table, index } => CreateIndex { table, index },
            RenameIndex { table, from, to } => RenameIndex {
                table,
                from: to,
                to: from,
            },
            AddUnique { table, unique } => DropUnique { table, unique },
            DropUnique { table, unique } => AddUnique { table, unique },
            AddForeignKey { table, foreign_key } => DropForeignKey { table, foreign_key },
            DropForeignKey { table, foreign_key } => AddForeignKey { table, foreign_key },
            AddCheck { table, check } => DropCheck { table, check },
            DropCheck { table, check } => AddCheck { table, check },
            RenameConstraint { table, from, to } => RenameConstraint {
                table,
                from: to,
                to: from,
            },
        }
    }

    /// The table the change is about, if it is about one.
    pub fn table(&self) -> Option<&str> {
        use Change::*;
        match self {
            CreateEnum(_) | DropEnum(_) | AddEnumValue { .. } | RecreateEnum { .. } => None,
            CreateTable(t) | DropTable(t) => Some(&t.name),
            RenameTable { to, .. } => Some(to),
            AddColumn { table, .. }
            | DropColumn { table, .. }
            | RenameColumn { table, .. }
            | AlterColumnType { table, .. }
            | AlterColumnNullability { table, .. }
            | AlterColumnDefault { table, .. }
            | AlterColumnIdentity { table, .. }
            | SetColumnComment { table, .. }
            | SetTableComment { table, .. }
            | AddPrimaryKey { table, .. }
            | DropPrimaryKey { table, .. }
            | CreateIndex { table, .. }
            | DropIndex { table, .. }
            | RenameIndex { table, .. }
            | AddUnique { table, .. }
            | DropUnique { table, .. }
            | AddForeignKey { table, .. }
            | DropForeignKey { table, .. }
            | AddCheck { table, .. }
            | DropCheck { table, .. }
            | RenameConstraint { table, .. } => Some(table),
        }
    }
}

/// The labels after adding `value` at `position`.
pub(crate) fn labels_after(
    before: &[String],
    value: &str,
    position: &EnumValuePosition,
) -> Vec<String> {
    let mut labels = before.to_vec();
    let at = match position {
        EnumValuePosition::End => labels.len(),
        EnumValuePosition::Before(l) => labels.iter().position(|x| x == l).unwrap_or(labels.len()),
        EnumValuePosition::After(l) => labels
            .iter()
            .position(|x| x == l)
            .map_or(labels.len(), |i| i + 1),
    };
    labels.insert(at, value.to_string());
    labels
}

fn nullability(nullable: bool) -> &'static str {
    if nullable {
        "NULL"
    } else {
        "NOT NULL"
    }
}

fn shown(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("none")
}

/// One line per change, as `migrate revision` prints it: `+` adds, `-`
/// removes, `~` modifies.
impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Change::*;
        match self {
            CreateEnum(e) => write!(f, "+ enum {} ({})", e.name, e.labels.join(", ")),
            DropEnum(e) => write!(f, "- enum {}", e.name),
            AddEnumValue { name, value, .. } => write!(f, "+ enum value {name}.{value}"),
            RecreateEnum { name, from, to, .. } => {
                write!(
                    f,
                    "~ enum {name}: ({}) -> ({}) (rebuilt)",
                    from.join(", "),
                    to.join(", ")
                )
            }
            CreateTable(t) => write!(f, "+ table {}", t.name),
            DropTable(t) => write!(f, "- table {}", t.name),
            RenameTable { from, to } => write!(f, "~ table {from} -> {to} (rename)"),
            AddColumn { table, column } => write!(
                f,
                "+ column {table}.{}: {}",
                column.name, column.column_type
            ),
            DropColumn { table, column } => write!(f, "- column {table}.{}", column.name),
            RenameColumn { table, from, to } => {
                write!(f, "~ column {table}.{from} -> {table}.{to} (rename)")
            }
            AlterColumnType {
                table,
                column,
                from,
                to,
            } => write!(f, "~ column {table}.{column}: {from} -> {to}"),
            AlterColumnNullability {
                table,
                column,
                nullable,
            } => {
                write!(
                    f,
                    "~ column {table}.{column}: {} -> {}",
                    nullability(!nullable),
                    nullability(*nullable)
                )
            }
            AlterColumnDefault {
                table,
                column,
                from,
                to,
            } => {
                write!(
                    f,
                    "~ column {table}.{column}: default {} -> {}",
                    shown(from),
                    shown(to)
                )
            }
            AlterColumnIdentity {
                table,
                column,
                from,
                to,
            } => {
                let name = |i: &Option<Identity>| match i {
                    None => "none",
                    Some(Identity::Always) => "always",
                    Some(Identity::ByDefault) => "by default",
                };
                write!(
                    f,
                    "~ column {table}.{column}: identity {} -> {}",
                    name(from),
                    name(to)
                )
            }
            SetColumnComment { table, column, .. } => {
                write!(f, "~ comment on column {table}.{column}")
            }
            SetTableComment { table, .. } => write!(f, "~ comment on table {table}"),
            AddPrimaryKey { table, primary_key } => {
                write!(f, "+ primary key {} on {table}", primary_key.name)
            }
            DropPrimaryKey { table, primary_key } => {
                write!(f, "- primary key {} on {table}", primary_key.name)
            }
            CreateIndex { table, index } => write!(f, "+ index {} on {table}", index.name),
            DropIndex { index, .. } => write!(f, "- index {}", index.name),
            RenameIndex { from, to, .. } => write!(f, "~ index {from} -> {to} (rename)"),
            AddUnique { table, unique } => write!(f, "+ unique {} on {table}", unique.name),
            DropUnique { unique, .. } => write!(f, "- unique {}", unique.name),
            AddForeignKey { table, foreign_key } => {
                write!(
                    f,
                    "+ foreign key {} on {table} -> {}",
                    foreign_key.name, foreign_key.referenced_table
                )
            }
            DropForeignKey { foreign_key, .. } => write!(f, "- foreign key {}", foreign_key.name),
            AddCheck { table, check } => write!(f, "+ check {} on {table}", check.name),
            DropCheck { check, .. } => write!(f, "- check {}", check.name),
            RenameConstraint { table, from, to } => {
                write!(f, "~ constraint {from} -> {to} on {table} (rename)")
            }
        }
    }
}
