//! The definitions an entity hands to the registry, and how one becomes a
//! [`Table`] of the schema model (constraint names follow [`naming`] unless
//! the model names them).

use crate::model::{
    naming, CheckConstraint, Column, ColumnType, Deferrable, EnumType, ForeignKey, Identity, Index,
    IndexKey, MatchType, PrimaryKey, ReferentialAction, Sequence, Table, UniqueConstraint,
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
    pub identity: Option<Identity>,
    /// Identity options (`identity(start = 100)`), as written.
    pub sequence: Option<Sequence>,
    pub collation: Option<String>,
    /// `GENERATED ALWAYS AS (expression) STORED`.
    pub generated: Option<String>,
    pub comment: Option<String>,
    pub renamed_from: Vec<String>,
    pub primary_key: bool,
    /// A single-column index (`index` / `index(...)`); its keys name this column.
    pub index: Option<IndexDefinition>,
    /// A single-column unique constraint (`unique` / `unique(...)`).
    pub unique: Option<UniqueDefinition>,
    /// CHECK expressions (from `gt`/`ge`/`lt`/`le`/`check = "..."`), in
    /// attribute order: one constraint named `<table>_<column>_check`.
    pub checks: Vec<String>,
    /// CHECKs with a name of their own (`check(name = "...", expr = "...")`).
    pub named_checks: Vec<CheckDefinition>,
    pub references: Option<Reference>,
    pub enum_type: Option<EnumType>,
}

/// A foreign key from one column to another entity's table.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub table: &'static str,
    /// The target's PostgreSQL schema (`None`: the default one).
    pub schema: Option<&'static str>,
    /// Target columns; empty means the target's primary key (resolved by the registry).
    pub columns: Vec<String>,
    pub on_delete: ReferentialAction,
    pub on_update: ReferentialAction,
    /// The constraint's name; `None`: `<table>_<column>_fkey`.
    pub name: Option<String>,
    pub deferrable: Deferrable,
    pub match_type: MatchType,
}

impl Reference {
    /// A reference to `table`'s primary key with the default options.
    pub fn to(table: &'static str) -> Self {
        Reference {
            table,
            schema: None,
            columns: Vec::new(),
            on_delete: ReferentialAction::NoAction,
            on_update: ReferentialAction::NoAction,
            name: None,
            deferrable: Deferrable::NotDeferrable,
            match_type: MatchType::Simple,
        }
    }
}

/// An index the model declares; keys name columns (or are expressions).
#[derive(Debug, Clone, PartialEq)]
pub struct IndexDefinition {
    /// `None`: `ix_<table>_<columns>` (`ux_` for a unique index).
    pub name: Option<String>,
    pub keys: Vec<IndexKey>,
    pub unique: bool,
    pub nulls_not_distinct: bool,
    pub include: Vec<String>,
    pub predicate: Option<String>,
    pub method: Option<String>,
}

impl IndexDefinition {
    pub fn on(keys: Vec<IndexKey>) -> Self {
        IndexDefinition {
            name: None,
            keys,
            unique: false,
            nulls_not_distinct: false,
            include: Vec::new(),
            predicate: None,
            method: None,
        }
    }

    fn to_index(&self, table: &str) -> Index {
        let name = self.name.clone().unwrap_or_else(|| {
            let parts: Vec<String> = self.keys.iter().map(key_name_part).collect();
            if self.unique {
                naming::unique_index(table, &parts)
            } else {
                naming::index(table, &parts)
            }
        });
        Index {
            name,
            keys: self.keys.iter().cloned().map(IndexKey::canonical).collect(),
            unique: self.unique,
            nulls_not_distinct: self.nulls_not_distinct,
            include: self.include.clone(),
            predicate: self.predicate.clone(),
            method: self
                .method
                .as_deref()
                .map(str::to_ascii_lowercase)
                .filter(|m| m != "btree"),
        }
    }
}

/// What a key adds to a conventional index name: its column, or the words of
/// its expression (`lower(email)` -> `lower_email`).
fn key_name_part(key: &IndexKey) -> String {
    match &key.target {
        crate::model::KeyTarget::Column(name) => name.clone(),
        crate::model::KeyTarget::Expression(expression) => expression
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("_")
            .to_lowercase(),
    }
}

/// A unique constraint the model declares.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UniqueDefinition {
    /// `None`: `<table>_<columns>_key`.
    pub name: Option<String>,
    /// Empty on a field: the field's column.
    pub columns: Vec<String>,
    pub nulls_not_distinct: bool,
    /// `include(...)`: columns stored in its index, not part of the key.
    pub include: Vec<String>,
    pub deferrable: Deferrable,
}

/// A CHECK with a name of its own (or the conventional one when `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckDefinition {
    pub name: Option<String>,
    pub expression: String,
}

/// Everything an entity declares about its table.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityDefinition {
    pub table: String,
    pub schema: Option<String>,
    pub comment: Option<String>,
    /// `PARTITION BY ...` (`partition_by = "RANGE (happened_on)"`).
    pub partition_by: Option<String>,
    pub renamed_from: Vec<String>,
    pub columns: Vec<ColumnDefinition>,
    /// Struct-level `index(...)`.
    pub indexes: Vec<IndexDefinition>,
    /// Struct-level `unique(...)`.
    pub uniques: Vec<UniqueDefinition>,
    /// Struct-level `check(...)`: constraints over several columns.
    pub checks: Vec<CheckDefinition>,
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
        ColumnDefinition::typed(name, T::column_type(), T::NULLABLE, T::enum_type())
    }

    /// A column of an explicit type (`sql_type`), nullable when the field is an `Option`.
    pub fn typed(
        name: &str,
        column_type: ColumnType,
        nullable: bool,
        enum_type: Option<EnumType>,
    ) -> Self {
        ColumnDefinition {
            name: name.to_string(),
            column_type,
            nullable,
            default: None,
            identity: None,
            sequence: None,
            collation: None,
            generated: None,
            comment: None,
            renamed_from: Vec::new(),
            primary_key: false,
            index: None,
            unique: None,
            checks: Vec::new(),
            named_checks: Vec::new(),
            references: None,
            enum_type,
        }
    }

    fn to_column(&self) -> Column {
        let column_type = self.column_type.canonical();
        let sequence = Sequence::canonical(self.sequence.as_ref(), &column_type);
        Column {
            name: self.name.clone(),
            // A primary key or identity column is NOT NULL whatever its Rust type says.
            nullable: self.nullable && !self.primary_key && self.identity.is_none(),
            default: self.default.clone(),
            identity: self.identity,
            sequence,
            collation: self.collation.clone(),
            generated: self.generated.clone(),
            comment: self.comment.clone(),
            renamed_from: self.renamed_from.clone(),
            column_type,
        }
    }
}

impl EntityDefinition {
    /// The table as the schema model describes it, with conventional names for
    /// every constraint the model does not name. Foreign keys whose target
    /// columns are not given are left with empty `referenced_columns` for the
    /// registry to resolve.
    pub fn to_table(&self) -> Table {
        let name = self.table.as_str();
        let mut table = Table::new(name);
        table.schema = self.schema.clone();
        table.comment = self.comment.clone();
        table.partition_by = self.partition_by.clone();
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
            if let Some(index) = &column.index {
                table.indexes.push(index.to_index(name));
            }
            if let Some(unique) = &column.unique {
                table.uniques.push(UniqueConstraint {
                    name: unique
                        .name
                        .clone()
                        .unwrap_or_else(|| naming::unique(name, &cols)),
                    columns: vec![column.name.clone()],
                    nulls_not_distinct: unique.nulls_not_distinct,
                    include: unique.include.clone(),
                    deferrable: unique.deferrable,
                });
            }
            if !column.checks.is_empty() {
                // Several bounds on one column form one constraint, as PostgreSQL
                // would name a single column CHECK.
                let expression = if column.checks.len() == 1 {
                    column.checks[0].clone()
                } else {
                    column
                        .checks
                        .iter()
                        .map(|c| format!("({c})"))
                        .collect::<Vec<_>>()
                        .join(" AND ")
                };
                table.checks.push(CheckConstraint::new(
                    naming::check(name, &column.name),
                    expression,
                ));
            }
            for check in &column.named_checks {
                table.checks.push(CheckConstraint::new(
                    check
                        .name
                        .clone()
                        .unwrap_or_else(|| naming::check(name, &column.name)),
                    check.expression.clone(),
                ));
            }
            if let Some(reference) = &column.references {
                table.foreign_keys.push(ForeignKey {
                    name: reference
                        .name
                        .clone()
                        .unwrap_or_else(|| naming::foreign_key(name, &cols)),
                    columns: vec![column.name.clone()],
                    referenced_schema: reference.schema.map(str::to_string),
                    referenced_table: reference.table.to_string(),
                    referenced_columns: reference.columns.clone(),
                    on_delete: reference.on_delete,
                    on_update: reference.on_update,
                    deferrable: reference.deferrable,
                    match_type: reference.match_type,
                    not_valid: false,
                });
            }
        }

        for unique in &self.uniques {
            table.uniques.push(UniqueConstraint {
                name: unique
                    .name
                    .clone()
                    .unwrap_or_else(|| naming::unique(name, &unique.columns)),
                columns: unique.columns.clone(),
                nulls_not_distinct: unique.nulls_not_distinct,
                include: unique.include.clone(),
                deferrable: unique.deferrable,
            });
        }
        for index in &self.indexes {
            table.indexes.push(index.to_index(name));
        }
        for check in &self.checks {
            table.checks.push(CheckConstraint::new(
                check
                    .name
                    .clone()
                    .unwrap_or_else(|| naming::table_check(name)),
                check.expression.clone(),
            ));
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
    type Key = uuid::Uuid;

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
