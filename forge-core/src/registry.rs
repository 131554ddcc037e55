//! The registry: every entity the binary links, collected at link time through
//! `inventory`, assembled into the desired [`Schema`].
//!
//! A binary only sees the entities of the crates it links. When the entities
//! live in a crate the binary does not otherwise use, link it explicitly with
//! `use my_entities as _;`, or the registry will be empty (an error, not a
//! silent "no changes").

use std::collections::BTreeMap;

use crate::entity::{EntityDefinition, EntityRegistration};
use crate::model::{ColumnType, EnumType, KeyTarget, Schema, TableName};

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
    /// `from` and `to`: `table.column (type)`.
    #[error("`{entity}` has a foreign key on {from} to {to}; PostgreSQL would refuse it at upgrade: give the column the referenced column's type")]
    ForeignKeyTypeMismatch {
        entity: String,
        from: String,
        to: String,
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
    let mut by_table: BTreeMap<TableName, &RegisteredEntity> = BTreeMap::new();
    for entity in entities {
        let name = TableName::new(
            entity.definition.schema.as_deref(),
            &entity.definition.table,
        );
        if let Some(first) = by_table.insert(name.clone(), entity) {
            return Err(RegistryError::DuplicateTable {
                table: name.to_string(),
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
        schema.namespaces.extend(entity.definition.schema.clone());
    }

    // Resolve foreign keys that point at the target's primary key, and check
    // that each column has the type of the column it references.
    let targets: BTreeMap<TableName, Target> = schema
        .tables
        .iter()
        .map(|t| {
            (
                t.qualified_name(),
                (
                    t.primary_key.as_ref().map(|pk| pk.columns.clone()),
                    t.columns
                        .iter()
                        .map(|c| (c.name.clone(), c.column_type.clone()))
                        .collect(),
                ),
            )
        })
        .collect();
    for (table, entity) in schema.tables.iter_mut().zip(entities) {
        let name = table.qualified_name();
        for fk in &mut table.foreign_keys {
            let target = fk.referenced();
            let Some((target_pk, target_columns)) = targets.get(&target) else {
                return Err(RegistryError::UnknownReference {
                    entity: entity.rust_path(),
                    table: name.to_string(),
                    column: fk.columns.join(", "),
                    target: target.to_string(),
                });
            };
            if fk.referenced_columns.is_empty() {
                match target_pk {
                    Some(columns) => fk.referenced_columns = columns.clone(),
                    None => {
                        return Err(RegistryError::ReferenceWithoutKey {
                            entity: entity.rust_path(),
                            target: target.to_string(),
                        })
                    }
                }
            }
            let type_of = |columns: &[(String, ColumnType)], name: &str| {
                columns
                    .iter()
                    .find(|(c, _)| c == name)
                    .map(|(_, t)| t.clone())
            };
            let own_columns: Vec<(String, ColumnType)> = table
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.column_type.clone()))
                .collect();
            for (column, target_column) in fk.columns.iter().zip(&fk.referenced_columns) {
                let Some(target_type) = type_of(target_columns, target_column) else {
                    return Err(RegistryError::UnknownReferencedColumn {
                        entity: entity.rust_path(),
                        table: name.to_string(),
                        column: fk.columns.join(", "),
                        target: target.to_string(),
                        target_column: target_column.clone(),
                    });
                };
                if let Some(column_type) = type_of(&own_columns, column) {
                    if !same_key_type(&column_type, &target_type) {
                        return Err(RegistryError::ForeignKeyTypeMismatch {
                            entity: entity.rust_path(),
                            from: format!("`{name}.{column}` ({column_type})"),
                            to: format!("`{target}.{target_column}` ({target_type})"),
                        });
                    }
                }
            }
        }
    }

    schema.enums = enums.into_values().collect();
    schema.normalize();
    Ok(schema)
}

/// What a foreign key may point at: the table's primary key columns and
/// every column with its type.
type Target = (Option<Vec<String>>, Vec<(String, ColumnType)>);

/// Whether a foreign key column of type `a` may reference a column of type
/// `b`: types Forge models must be the same. A type kept verbatim is only
/// known once the server settled its spelling, so it is checked then (at
/// `migrate revision`, see `autogenerate::validate_foreign_key_types`).
fn same_key_type(a: &ColumnType, b: &ColumnType) -> bool {
    let verbatim = |t: &ColumnType| matches!(t, ColumnType::Custom { .. });
    verbatim(a) || verbatim(b) || a == b
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
    let missing = |kind: &str, column: &str| {
        invalid(format!(
            "the {kind} names column `{column}`, which table `{}` does not have",
            definition.table
        ))
    };
    for unique in &definition.uniques {
        if let Some(column) = unique.columns.iter().find(|c| !seen.contains(c.as_str())) {
            return Err(missing("composite unique", column));
        }
    }
    for index in &definition.indexes {
        for key in &index.keys {
            if let KeyTarget::Column(column) = &key.target {
                if !seen.contains(column.as_str()) {
                    return Err(missing("index", column));
                }
            }
        }
        if let Some(column) = index.include.iter().find(|c| !seen.contains(c.as_str())) {
            return Err(missing("index's INCLUDE", column));
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
                partition_by: None,
                renamed_from: vec![],
                columns,
                indexes: vec![],
                uniques: vec![],
                checks: vec![],
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
            references: Some(Reference::to("ghosts")),
            ..ColumnDefinition::of::<i64>("owner_id")
        };
        let err = build_schema(&[entity("items", vec![id(), owner])]).unwrap_err();
        assert!(err.to_string().contains("`ghosts`"), "{err}");
    }

    #[test]
    fn a_reference_to_a_missing_column_of_the_target_is_an_error() {
        let owner = ColumnDefinition {
            references: Some(Reference {
                columns: vec!["uuid".into()],
                ..Reference::to("users")
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
            references: Some(Reference::to("users")),
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

    #[test]
    fn a_foreign_key_of_another_type_than_its_target_is_an_error() {
        let owner = ColumnDefinition {
            references: Some(Reference::to("users")),
            ..ColumnDefinition::of::<uuid::Uuid>("owner_id")
        };
        let err = build_schema(&[
            entity("users", vec![id()]),
            entity("items", vec![id(), owner]),
        ])
        .unwrap_err();
        assert!(
            matches!(err, RegistryError::ForeignKeyTypeMismatch { .. }),
            "{err}"
        );
        assert!(
            err.to_string().contains("(uuid) to `users.id` (bigint)"),
            "{err}"
        );
    }

    #[test]
    fn tables_of_other_schemas_are_told_apart_and_referenced_across_schemas() {
        let mut invoices = entity("items", vec![id()]);
        invoices.definition.schema = Some("billing".into());
        let owner = ColumnDefinition {
            references: Some(Reference {
                schema: Some("billing"),
                ..Reference::to("items")
            }),
            ..ColumnDefinition::of::<i64>("invoice_id")
        };
        let schema = build_schema(&[invoices, entity("items", vec![id(), owner])]).unwrap();
        assert_eq!(schema.namespaces, ["billing"]);
        assert_eq!(schema.tables.len(), 2);
        let local = schema.table("items").unwrap();
        assert_eq!(
            local.foreign_keys[0].referenced_schema.as_deref(),
            Some("billing")
        );
        assert!(schema.table_in(Some("billing"), "items").is_some());
    }
}
