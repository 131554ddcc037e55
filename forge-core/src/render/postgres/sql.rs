//! The pieces every PostgreSQL statement is made of: quoted identifiers and
//! literals, schema-qualified names, type names.

use crate::model::{ColumnType, TableName};

/// `"name"`, with embedded quotes doubled.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `'text'`, with embedded quotes doubled (standard_conforming_strings is on
/// since PostgreSQL 9.1, so backslashes are literal).
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `"schema"."table"`, or `"table"` in the default schema (the search_path).
pub fn table(name: &TableName) -> String {
    in_schema(name.schema.as_deref(), &name.name)
}

/// A relation (index, sequence) named `name` in `schema` (`None`: the default one).
pub fn in_schema(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(schema) => format!("{}.{}", ident(schema), ident(name)),
        None => ident(name),
    }
}

/// `"a", "b"`
pub fn idents(names: &[String]) -> String {
    names
        .iter()
        .map(|n| ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The type as PostgreSQL spells it.
pub fn type_sql(column_type: &ColumnType) -> String {
    column_type.to_string()
}

/// The `serial` pseudo-type of an integer type.
pub fn serial_type(column_type: &ColumnType) -> &'static str {
    match column_type {
        ColumnType::SmallInt => "smallserial",
        ColumnType::BigInt => "bigserial",
        _ => "serial",
    }
}
