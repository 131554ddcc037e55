//! The definitions an entity hands to the registry, and how one becomes a
//! [`Table`] of the schema model (constraint names follow [`naming`]).

use crate::model::normalize;
use crate::model::{
    naming, CheckConstraint, Column, ColumnType, EnumType, ForeignKey, Index, IndexKey, PrimaryKey,
    ReferentialAction, Table, UniqueConstraint,
};

use super::EntityFields;

/// One column as the model declares it, with what its attributes add.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDefinition {
    pub name: String,
    pub column_type: ColumnType,
    pub nullable: bool,
    /// Server default, as written in the model (`default = "now()"`).
    pub default: Option<String>,
    pub identity: Option<crate::model::Identity>,
    pub comment: Option<String>,
    pub renamed_from: Vec<String>,
    pub primary_key: bool,
    pub index: bool,
    pub unique: bool,
    /// CHECK expressions (from `gt`/`ge`/`lt`/`le`/`check`), in attribute order.
    pub checks: Vec<String>,
    pub references: Option<Reference>,
    pub enum_type: Option<EnumType>,
}

/// A foreign key from one column to another entity's table.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub table: &'static str,
    /// Target columns; empty means the target's primary key (resolved by the registry).
    pub columns: Vec<String>,
    pub on_delete: ReferentialAction,
    pub on_update: ReferentialAction,
}

/// A struct-level `index(...)` or `unique(...)` over several columns.
#[derive(Debug, Clone, PartialEq)]
pub struct CompositeIndex {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub unique: bool,
}

/// Everything an entity declares about its table.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityDefinition {
    pub table: String,
    pub schema: Option<String>,
    pub comment: Option<String>,
    pub renamed_from: Vec<String>,
    pub columns: Vec<ColumnDefinition>,
    pub composite_indexes: Vec<CompositeIndex>,
}

/// Submitted by `#[derive(EntityTable)]` through `inventory`: one per entity in
/// every crate the binary links.
pub struct EntityRegistration {
    /// The struct's name, e.g. `ProductTable`.
    pub rust_name: &'static str,
    /// `module_path!()` where the struct is declared.
    pub module_path: &'static str,
    /// `file!()` where the struct is declared.
    pub source_file: &'static str,
    pub definition: fn() -> EntityDefinition,
}

inventory::collect!(EntityRegistration);

impl ColumnDefinition {
    /// A column of type `T`, with nothing else declared.
    pub fn of<T: super::SqlType + ?Sized>(name: &str) -> Self {
        ColumnDefinition {
            name: name.to_string(),
            column_type: T::column_type(),
            nullable: T::NULLABLE,
            default: None,
            identity: None,
            comment: None,
            renamed_from: Vec::new(),
            primary_key: false,
            index: false,
            unique: false,
            checks: Vec::new(),
            references: None,
            enum_type: T::enum_type(),
        }
    }

    fn to_column(&self) -> Column {
        Column {
            name: self.name.clone(),
            column_type: self.column_type.canonical(),
            // A primary key column is NOT NULL whatever its Rust type says.
            nullable: self.nullable && !self.primary_key,
            default: self.default.as_deref().map(normalize::default_expression),
            identity: self.identity,
            comment: self.comment.clone(),
            renamed_from: self.renamed_from.clone(),
        }
    }
}

impl EntityDefinition {
    /// The table as the schema model describes it, with conventional names for
    /// every constraint. Foreign keys whose target columns are not given are left
    /// with empty `referenced_columns` for the registry to resolve.
    pub fn to_table(&self) -> Table {
        let name = self.table.as_str();
        let mut table = Table::new(name);
        table.comment = self.comment.clone();
        table.renamed_from = self.renamed_from.clone();
        table.columns = self
            .columns
            .iter()
            .map(ColumnDefinition::to_column)
            .collect();

        let pk: Vec<String> = self
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.clone())
            .collect();
        if !pk.is_empty() {
            table.primary_key = Some(PrimaryKey {
                name: naming::primary_key(name),
                columns: pk,
            });
        }

        for column in &self.columns {
            let cols = [column.name.as_str()];
            if column.index {
                table.indexes.push(Index {
                    name: naming::index(name, &cols),
                    keys: vec![IndexKey::column(&column.name)],
                    unique: false,
                    predicate: None,
                    method: None,
                });
            }
            if column.unique {
                table.uniques.push(UniqueConstraint {
                    name: naming::unique(name, &cols),
                    columns: vec![column.name.clone()],
                });
            }
            if !column.checks.is_empty() {
                // Several bounds on one column form one constraint, as PostgreSQL
                // would name a single column CHECK.
                let expression = column
                    .checks
                    .iter()
                    .map(|c| format!("({c})"))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                let expression = if column.checks.len() == 1 {
                    column.checks[0].clone()
                } else {
                    expression
                };
                table.checks.push(CheckConstraint {
                    name: naming::check(name, &column.name),
                    expression,
                });
            }
            if let Some(reference) = &column.references {
                table.foreign_keys.push(ForeignKey {
                    name: naming::foreign_key(name, &cols),
                    columns: vec![column.name.clone()],
                    referenced_table: reference.table.to_string(),
                    referenced_columns: reference.columns.clone(),
                    on_delete: reference.on_delete,
                    on_update: reference.on_update,
                    deferrable: Default::default(),
                });
            }
        }

        for composite in &self.composite_indexes {
            if composite.unique {
                table.uniques.push(UniqueConstraint {
                    name: composite
                        .name
                        .clone()
                        .unwrap_or_else(|| naming::unique(name, &composite.columns)),
                    columns: composite.columns.clone(),
                });
            } else {
                table.indexes.push(Index {
                    name: composite
                        .name
                        .clone()
                        .unwrap_or_else(|| naming::index(name, &composite.columns)),
                    keys: composite.columns.iter().map(IndexKey::column).collect(),
                    unique: false,
                    predicate: None,
                    method: None,
                });
            }
        }
        table.normalize();
        table
    }

    /// The enum types the columns use, each once.
    pub fn enum_types(&self) -> Vec<EnumType> {
        let mut out: Vec<EnumType> = Vec::new();
        for e in self.columns.iter().filter_map(|c| c.enum_type.clone()) {
            if !out.iter().any(|o| o.name == e.name) {
                out.push(e);
            }
        }
        out
    }
}

/// The columns most entities share. Embed with `#[forge(flatten)] pub base: EntityBase`.
///
/// - `id uuid PRIMARY KEY DEFAULT gen_random_uuid()`: an `INSERT` that leaves
///   it out gets a random key from the server (built into PostgreSQL 13+).
/// - `created_at timestamptz NOT NULL DEFAULT now()`: the time of the
///   inserting transaction.
/// - `updated_at timestamptz NOT NULL DEFAULT now()`: also set on insert
///   only. Forge does not change it on `UPDATE` (no trigger is created): set
///   it in the statement (`UPDATE ... SET ..., updated_at = now()`), or add a
///   trigger in a migration of your own if every writer must be covered.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityBase {
    pub id: uuid::Uuid,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl EntityFields for EntityBase {
    fn columns() -> Vec<ColumnDefinition> {
        let id = ColumnDefinition {
            primary_key: true,
            default: Some("gen_random_uuid()".to_string()),
            ..ColumnDefinition::of::<uuid::Uuid>("id")
        };
        let created_at = ColumnDefinition {
            default: Some("now()".to_string()),
            ..ColumnDefinition::of::<chrono::DateTime<chrono::Utc>>("created_at")
        };
        let updated_at = ColumnDefinition {
            default: Some("now()".to_string()),
            ..ColumnDefinition::of::<chrono::DateTime<chrono::Utc>>("updated_at")
        };
        vec![id, created_at, updated_at]
    }
}
