//! [`Change`]: one step from the live schema towards the desired one, with the
//! data to render it and to undo it ([`Change::inverse`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{
    CheckConstraint, Column, ColumnType, EnumType, ForeignKey, Identity, Index, PrimaryKey,
    Sequence, Table, TableName, UniqueConstraint,
};

/// One schema change. The downgrade of a list of changes is the inverse of
/// each, in reverse order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// `CREATE SCHEMA` for a PostgreSQL schema the models put tables in.
    CreateSchema {
        schema: String,
    },
    DropSchema {
        schema: String,
    },
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
    /// `ALTER TYPE ... RENAME VALUE`: rows holding the label now hold the new one.
    RenameEnumValue {
        name: String,
        from: String,
        to: String,
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
    /// A rename within the table's schema.
    RenameTable {
        from: TableName,
        to: TableName,
    },
    AddColumn {
        table: TableName,
        column: Column,
    },
    DropColumn {
        table: TableName,
        column: Column,
    },
    RenameColumn {
        table: TableName,
        from: String,
        to: String,
    },
    /// A new type, a new collation, or both (`ALTER COLUMN ... TYPE ... COLLATE`:
    /// PostgreSQL resets the collation on a type change, so both travel together).
    AlterColumnType {
        table: TableName,
        column: String,
        from: ColumnType,
        to: ColumnType,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from_collation: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to_collation: Option<String>,
    },
    AlterColumnNullability {
        table: TableName,
        column: String,
        nullable: bool,
    },
    AlterColumnDefault {
        table: TableName,
        column: String,
        from: Option<String>,
        to: Option<String>,
    },
    /// The column becomes generated, stops being generated, or computes
    /// another expression: `from` and `to` are the whole column before and after.
    AlterColumnGeneration {
        table: TableName,
        from: Box<Column>,
        to: Box<Column>,
    },
    /// The column starts being numbered by the database (`to.identity`:
    /// identity or serial).
    AddIdentity {
        table: TableName,
        column: Column,
    },
    /// The column stops being numbered by the database (`column` as it was).
    DropIdentity {
        table: TableName,
        column: Column,
    },
    /// `ALWAYS` <-> `BY DEFAULT` of an identity.
    AlterColumnIdentity {
        table: TableName,
        column: String,
        from: Identity,
        to: Identity,
    },
    /// The options (START, INCREMENT, ...) of an identity's sequence.
    AlterColumnSequence {
        table: TableName,
        column: String,
        column_type: ColumnType,
        from: Option<Sequence>,
        to: Option<Sequence>,
    },
    /// A serial or identity sequence named after an old table or column name.
    RenameSequence {
        table: TableName,
        from: String,
        to: String,
    },
    SetColumnComment {
        table: TableName,
        column: String,
        from: Option<String>,
        to: Option<String>,
    },
    SetTableComment {
        table: TableName,
        from: Option<String>,
        to: Option<String>,
    },
    AddPrimaryKey {
        table: TableName,
        primary_key: PrimaryKey,
    },
    DropPrimaryKey {
        table: TableName,
        primary_key: PrimaryKey,
    },
    CreateIndex {
        table: TableName,
        index: Index,
    },
    DropIndex {
        table: TableName,
        index: Index,
    },
    RenameIndex {
        table: TableName,
        from: String,
        to: String,
    },
    AddUnique {
        table: TableName,
        unique: UniqueConstraint,
    },
    DropUnique {
        table: TableName,
        unique: UniqueConstraint,
    },
    AddForeignKey {
        table: TableName,
        foreign_key: ForeignKey,
    },
    DropForeignKey {
        table: TableName,
        foreign_key: ForeignKey,
    },
    AddCheck {
        table: TableName,
        check: CheckConstraint,
    },
    DropCheck {
        table: TableName,
        check: CheckConstraint,
    },
    /// A primary key, unique, foreign key or check whose definition is
    /// unchanged but whose name differs (e.g. after a table rename).
    RenameConstraint {
        table: TableName,
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
    pub table: TableName,
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
            CreateSchema { schema } => DropSchema { schema },
            DropSchema { schema } => CreateSchema { schema },
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
            RenameEnumValue { name, from, to } => RenameEnumValue {
                name,
                from: to,
                to: from,
            },
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
                from_collation,
                to_collation,
            } => AlterColumnType {
                table,
                column,
                from: to,
                to: from,
                from_collation: to_collation,
                to_collation: from_collation,
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
            AlterColumnGeneration { table, from, to } => AlterColumnGeneration {
                table,
                from: to,
                to: from,
            },
            AddIdentity { table, column } => DropIdentity { table, column },
            DropIdentity { table, column } => AddIdentity { table, column },
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
            AlterColumnSequence {
                table,
                column,
                column_type,
                from,
                to,
            } => AlterColumnSequence {
                table,
                column,
                column_type,
                from: to,
                to: from,
            },
            RenameSequence { table, from, to } => RenameSequence {
                table,
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
    pub fn table(&self) -> Option<&TableName> {
        use Change::*;
        match self {
            CreateSchema { .. }
            | DropSchema { .. }
            | CreateEnum(_)
            | DropEnum(_)
            | AddEnumValue { .. }
            | RenameEnumValue { .. }
            | RecreateEnum { .. }
            | CreateTable(_)
            | DropTable(_) => None,
            RenameTable { to, .. } => Some(to),
            AddColumn { table, .. }
            | DropColumn { table, .. }
            | RenameColumn { table, .. }
            | AlterColumnType { table, .. }
            | AlterColumnNullability { table, .. }
            | AlterColumnDefault { table, .. }
            | AlterColumnGeneration { table, .. }
            | AddIdentity { table, .. }
            | DropIdentity { table, .. }
            | AlterColumnIdentity { table, .. }
            | AlterColumnSequence { table, .. }
            | RenameSequence { table, .. }
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

fn identity_name(identity: Option<Identity>) -> &'static str {
    match identity {
        None => "none",
        Some(Identity::Always) => "always",
        Some(Identity::ByDefault) => "by default",
        Some(Identity::Serial) => "serial",
    }
}

fn with_collation(column_type: &ColumnType, collation: &Option<String>) -> String {
    match collation {
        Some(c) => format!("{column_type} collate {c}"),
        None => column_type.to_string(),
    }
}

/// One line per change, as `migrate revision` prints it: `+` adds, `-`
/// removes, `~` modifies.
impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Change::*;
        match self {
            CreateSchema { schema } => write!(f, "+ schema {schema}"),
            DropSchema { schema } => write!(f, "- schema {schema}"),
            CreateEnum(e) => write!(f, "+ enum {} ({})", e.name, e.labels.join(", ")),
            DropEnum(e) => write!(f, "- enum {}", e.name),
            AddEnumValue { name, value, .. } => write!(f, "+ enum value {name}.{value}"),
            RenameEnumValue { name, from, to } => {
                write!(f, "~ enum value {name}.{from} -> {name}.{to} (rename)")
            }
            RecreateEnum { name, from, to, .. } => {
                write!(
                    f,
                    "~ enum {name}: ({}) -> ({}) (rebuilt)",
                    from.join(", "),
                    to.join(", ")
                )
            }
            CreateTable(t) => write!(f, "+ table {}", t.qualified_name()),
            DropTable(t) => write!(f, "- table {}", t.qualified_name()),
            RenameTable { from, to } => write!(f, "~ table {from} -> {} (rename)", to.name),
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
                from_collation,
                to_collation,
            } => write!(
                f,
                "~ column {table}.{column}: {} -> {}",
                with_collation(from, from_collation),
                with_collation(to, to_collation)
            ),
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
            AlterColumnGeneration { table, from, to } => write!(
                f,
                "~ column {table}.{}: generated {} -> {}",
                to.name,
                shown(&from.generated),
                shown(&to.generated)
            ),
            AddIdentity { table, column } => write!(
                f,
                "~ column {table}.{}: identity none -> {}",
                column.name,
                identity_name(column.identity)
            ),
            DropIdentity { table, column } => write!(
                f,
                "~ column {table}.{}: identity {} -> none",
                column.name,
                identity_name(column.identity)
            ),
            AlterColumnIdentity {
                table,
                column,
                from,
                to,
            } => write!(
                f,
                "~ column {table}.{column}: identity {} -> {}",
                identity_name(Some(*from)),
                identity_name(Some(*to))
            ),
            AlterColumnSequence { table, column, .. } => {
                write!(f, "~ column {table}.{column}: identity options")
            }
            RenameSequence { from, to, .. } => write!(f, "~ sequence {from} -> {to} (rename)"),
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
                    foreign_key.name,
                    foreign_key.referenced()
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
