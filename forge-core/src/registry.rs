//! The registry: every entity the binary links, collected at link time through
//! `inventory`, assembled into the desired [`Schema`].
//!
//! A binary only sees the entities of the crates it links. When the entities
//! live in a crate the binary does not otherwise use, link it explicitly with
//! `use my_entities as _;`, or the registry will be empty (an error, not a
//! silent "no changes").

use std::collections::BTreeMap;

use crate::entity::{EntityDefinition, EntityRegistration};
use crate::model::{EnumType, Schema};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegistryError {
    #[error("no entities are registered in this binary; add #[derive(EntityTable)] structs, and make sure the binary links the crate that defines them (`use my_entities as _;`)")]
    Empty,
    #[error("table `{table}` is defined twice, by {first} and {second}; give one of them another name with #[forge(table = \"...\")]")]
    DuplicateTable {
        table: String,
        first: String,
        second: String,
    },
    #[error("`{entity}` has a foreign key on `{table}.{column}` to table `{target}`, which no registered entity defines; derive EntityTable for it or link the crate that does")]
    UnknownReference {
        entity: String,
        table: String,
        column: String,
        target: String,
    },
    #[error("`{entity}` references table `{target}`, which has no primary key to point at; name the target column with `references = Target(column)`")]
    ReferenceWithoutKey { entity: String, target: String },
    #[error("`{entity}` has a foreign key on `{table}.{column}` to `{target}({target_column})`, but table `{target}` has no column `{target_column}`")]
    UnknownReferencedColumn {
        entity: String,
        table: String,
        column: String,
        target: String,
        target_column: String,
    },
    #[error("`{entity}`: {problem}")]
    InvalidEntity { entity: String, problem: String },
    #[error(
        "enum type `{name}` is defined twice with different labels ({first:?} and {second:?})"
    )]
    ConflictingEnum {
        name: String,
        first: Vec<String>,
        second: Vec<String>,
    },
}

/// One registered entity: where it comes from and what it declares.
#[derive(Debug, Clone)]
pub struct RegisteredEntity {
    pub rust_name: &'static str,
    pub module_path: &'static str,
    pub source_file: &'static str,
    pub definition: EntityDefinition,
}

impl RegisteredEntity {
    /// `crate::module::Struct`, as users know it.
    pub fn rust_path(&self) -> String {
        format!("{}::{}", self.module_path, self.rust_name)
    }
}

/// Every entity the binary links, sorted by table name.
pub fn entities() -> Vec<RegisteredEntity> {
    let mut all: Vec<RegisteredEntity> = inventory::iter::<EntityRegistration>
        .into_iter()
        .map(|r| RegisteredEntity {
            rust_name: r.rust_name,
            module_path: r.module_path,
            source_file: r.source_file,
            definition: (r.definition)(),
        })
        .collect();
    all.sort_by(|a, b| {
        a.definition
            .table
            .cmp(&b.definition.table)
            .then(a.rust_path().cmp(&b.rust_path()))
    });
    all
}

/// The desired schema: what the database should look like according to the models.
pub fn schema() -> Result<Schema, RegistryError> {
    build_schema(&entities())
}

/// Assembles entities into a schema, checking what the compiler could not:
/// unique table names, references to registered tables, one definition per enum.
pub fn build_schema(entities: &[RegisteredEntity]) -> Result<Schema, RegistryError> {
    if entities.is_empty() {
        return Err(RegistryError::Empty);
    }
    let mut by_table: BTreeMap<&str, &RegisteredEntity> = BTreeMap::new();
    for entity in entities {
        if let Some(first) = by_table.insert(entity.definition.table.as_str(), entity) {
            return Err(RegistryError::DuplicateTable {
                table: entity.definition.table.clone(),
                first: first.rust_path(),
                second: entity.rust_path(),
            });
        }
    }

    let mut schema = Schema::default();
    let mut enums: BTreeMap<String, EnumType> = BTreeMap::new();
    for entity in entities {
        check_columns(entity)?;
        for e in entity.definition.enum_types() {
            match enums.get(&e.name) {
                Some(existing) if existing.labels != e.labels => {
                    return Err(RegistryError::ConflictingEnum {
                        name: e.name.clone(),
                        first: existing.labels.clone(),
                        second: e.labels,
                    })
                }
                _ => {
                    enums.insert(e.name.clone(), e);
                }
            }
        }
        schema.tables.push(entity.definition.to_table());
    }

    // Resolve foreign keys that point at the target's primary key.
    let primary_keys: BTreeMap<String, Option<Vec<String>>> = schema
        .tables
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                t.primary_key.as_ref().map(|pk| pk.columns.clone()),
            )
        })
        .collect();
    let columns_of: BTreeMap<String, Vec<String>> = schema
        .tables
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                t.columns.iter().map(|c| c.name.clone()).collect(),
            )
        })
        .collect();
    for (table, entity) in schema.tables.iter_mut().zip(entities) {
        for fk in &mut table.foreign_keys {
            let Some(target_pk) = primary_keys.get(&fk.referenced_table) else {
                return Err(RegistryError::UnknownReference {
                    entity: entity.rust_path(),
                    table: table.name.clone(),
                    column: fk.columns.join(", "),
                    target: fk.referenced_table.clone(),
                });
            };
            if fk.referenced_columns.is_empty() {
                match target_pk {
                    Some(columns) => fk.referenced_columns = columns.clone(),
                    None => {
                        return Err(RegistryError::ReferenceWithoutKey {
                            entity: entity.rust_path(),
                            target: fk.referenced_table.clone(),
                        })
                    }
                }
            }
            let target_columns = &columns_of[&fk.referenced_table];
            if let Some(missing) = fk
                .referenced_columns
                .iter()
                .find(|c| !target_columns.contains(c))
            {
                return Err(RegistryError::UnknownReferencedColumn {
                    entity: entity.rust_path(),
                    table: table.name.clone(),
                    column: fk.columns.join(", "),
                    target: fk.referenced_table.clone(),
                    target_column: missing.clone(),
                });
            }
        }
    }

    schema.enums = enums.into_values().collect();
    schema.normalize();
    Ok(schema)
}

/// Column names must be unique within a table (a flattened group can collide
/// with a field), and composite indexes must name existing columns (fields of
/// flattened groups are only known here, not to the derive).
fn check_columns(entity: &RegisteredEntity) -> Result<(), RegistryError> {
    let definition = &entity.definition;
    let invalid = |problem: String| RegistryError::InvalidEntity {
        entity: entity.rust_path(),
        problem,
    };
    let mut seen = std::collections::BTreeSet::new();
    for column in &definition.columns {
        if !seen.insert(column.name.as_str()) {
            return Err(invalid(format!(
                "column `{}` is defined twice in table `{}`",
                column.name, definition.table
            )));
        }
    }
    for composite in &definition.composite_indexes {
        for column in &composite.columns {
            if !seen.contains(column.as_str()) {
                return Err(invalid(format!(
                    "the composite {} names column `{column}`, which table `{}` does not have",
                    if composite.unique { "unique" } else { "index" },
                    definition.table
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::{ColumnDefinition, Reference};

    fn entity(table: &str, columns: Vec<ColumnDefinition>) -> RegisteredEntity {
        RegisteredEntity {
            rust_name: "T",
            module_path: "app::entities",
            source_file: "table.rs",
            definition: EntityDefinition {
                table: table.to_string(),
                schema: None,
                comment: None,
                renamed_from: vec![],
                columns,
                composite_indexes: vec![],
            },
        }
    }

    fn id() -> ColumnDefinition {
        ColumnDefinition {
            primary_key: true,
            ..ColumnDefinition::of::<i64>("id")
        }
    }

    #[test]
    fn an_empty_registry_is_an_error() {
        assert_eq!(build_schema(&[]), Err(RegistryError::Empty));
    }

    #[test]
    fn a_duplicate_table_is_an_error() {
        let err =
            build_schema(&[entity("users", vec![id()]), entity("users", vec![id()])]).unwrap_err();
        assert!(matches!(err, RegistryError::DuplicateTable { .. }), "{err}");
    }

    #[test]
    fn a_reference_to_an_unregistered_table_is_an_error() {
        let owner = ColumnDefinition {
            references: Some(Reference {
                table: "ghosts",
                columns: vec![],
                on_delete: Default::default(),
                on_update: Default::default(),
            }),
            ..ColumnDefinition::of::<i64>("owner_id")
        };
        let err = build_schema(&[entity("items", vec![id(), owner])]).unwrap_err();
        assert!(err.to_string().contains("`ghosts`"), "{err}");
    }

    #[test]
    fn a_reference_to_a_missing_column_of_the_target_is_an_error() {
        let owner = ColumnDefinition {
            references: Some(Reference {
                table: "users",
                columns: vec!["uuid".into()],
                on_delete: Default::default(),
                on_update: Default::default(),
            }),
            ..ColumnDefinition::of::<i64>("owner_id")
        };
        let err = build_schema(&[
            entity("users", vec![id()]),
            entity("items", vec![id(), owner]),
        ])
        .unwrap_err();
        assert!(
            matches!(err, RegistryError::UnknownReferencedColumn { .. }),
            "{err}"
        );
    }

    #[test]
    fn references_resolve_to_the_target_primary_key_and_tables_are_sorted() {
        let owner = ColumnDefinition {
            references: Some(Reference {
                table: "users",
                columns: vec![],
                on_delete: Default::default(),
                on_update: Default::default(),
            }),
            ..ColumnDefinition::of::<i64>("owner_id")
        };
        let schema = build_schema(&[
            entity("users", vec![id()]),
            entity("items", vec![id(), owner]),
        ])
        .unwrap();
        assert_eq!(
            schema
                .tables
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>(),
            ["items", "users"]
        );
        assert_eq!(schema.tables[0].foreign_keys[0].referenced_columns, ["id"]);
        assert_eq!(schema.tables[0].foreign_keys[0].name, "items_owner_id_fkey");
    }
}
