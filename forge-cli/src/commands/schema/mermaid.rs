//! A schema as a Mermaid ER diagram (`erDiagram`): tables with their columns
//! and keys, one relationship per foreign key — for docs and reviews, where
//! people would rather look than read DDL.

use forge_core::model::{ForeignKey, Schema, Table};

/// The diagram, ending with a newline.
pub fn diagram(schema: &Schema) -> String {
    let mut out = String::from("erDiagram\n");
    for enum_type in &schema.enums {
        // Mermaid has no enum types: say what the type names mean.
        out.push_str(&format!(
            "    %% enum {}: {}\n",
            enum_type.name,
            enum_type.labels.join(", ")
        ));
    }
    for table in &schema.tables {
        out.push_str(&format!(
            "    {} {{\n",
            name(&table.qualified_name().to_string())
        ));
        for column in &table.columns {
            let keys = keys(table, &column.name);
            let mut line = format!(
                "        {} {}",
                word(&column.column_type.to_string()),
                name(&column.name)
            );
            if !keys.is_empty() {
                line.push(' ');
                line.push_str(&keys.join(", "));
            }
            if column.nullable {
                line.push_str(" \"NULL\"");
            }
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str("    }\n");
    }
    for table in &schema.tables {
        for fk in &table.foreign_keys {
            out.push_str(&relationship(table, fk));
        }
    }
    out
}

/// `orders }o--|| users : "user_id"`: many (or, through a unique key, at
/// most one) rows of `table` per referenced row; exactly one referenced row
/// per row, or at most one when the key may be NULL.
fn relationship(table: &Table, fk: &ForeignKey) -> String {
    let unique = table
        .primary_key
        .as_ref()
        .is_some_and(|pk| same_columns(&pk.columns, &fk.columns))
        || table
            .uniques
            .iter()
            .any(|u| same_columns(&u.columns, &fk.columns));
    let optional = fk.columns.iter().any(|c| {
        table
            .columns
            .iter()
            .any(|column| &column.name == c && column.nullable)
    });
    format!(
        "    {} {}--{} {} : \"{}\"\n",
        name(&table.qualified_name().to_string()),
        if unique { "|o" } else { "}o" },
        if optional { "o|" } else { "||" },
        name(&fk.referenced().to_string()),
        fk.columns.join(", ").replace('"', "'")
    )
}

fn same_columns(a: &[String], b: &[String]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    b.sort();
    a == b
}

/// PK, FK and UK markers of one column.
fn keys(table: &Table, column: &str) -> Vec<&'static str> {
    let has = |columns: &[String]| columns.iter().any(|c| c == column);
    let mut keys = Vec::new();
    if table
        .primary_key
        .as_ref()
        .is_some_and(|pk| has(&pk.columns))
    {
        keys.push("PK");
    }
    if table.foreign_keys.iter().any(|fk| has(&fk.columns)) {
        keys.push("FK");
    }
    if table.uniques.iter().any(|u| has(&u.columns))
        || table.indexes.iter().any(|i| {
            i.unique
                && i.predicate.is_none()
                && i.keys.iter().any(|k| k.column_name() == Some(column))
        })
    {
        keys.push("UK");
    }
    keys
}

/// An entity or attribute name as Mermaid accepts it (letters, digits, `_`, `-`).
fn name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A type as one Mermaid word: `double precision` -> `double_precision`,
/// `numeric(10,2)` -> `numeric(10_2)` (brackets and parentheses are allowed).
fn word(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-()[]".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_core::model::{Column, ColumnType, PrimaryKey};

    fn column(name: &str, column_type: ColumnType, nullable: bool) -> Column {
        serde_json::from_value(serde_json::json!({
            "name": name, "type": column_type, "nullable": nullable
        }))
        .unwrap()
    }

    fn table(name: &str, columns: Vec<Column>) -> Table {
        serde_json::from_value(serde_json::json!({ "name": name, "columns": columns })).unwrap()
    }

    #[test]
    fn tables_keys_and_relationships() {
        let mut users = table(
            "users",
            vec![
                column("id", ColumnType::Uuid, false),
                column("name", ColumnType::Double, true),
            ],
        );
        users.primary_key = Some(PrimaryKey {
            name: "users_pkey".into(),
            columns: vec!["id".into()],
        });
        let mut orders = table(
            "orders",
            vec![
                column("id", ColumnType::Uuid, false),
                column("user_id", ColumnType::Uuid, false),
                column("coupon_id", ColumnType::Uuid, true),
            ],
        );
        orders.foreign_keys = vec![
            serde_json::from_value(serde_json::json!({
                "name": "orders_user_id_fkey", "columns": ["user_id"],
                "referenced_table": "users", "referenced_columns": ["id"]
            }))
            .unwrap(),
            serde_json::from_value(serde_json::json!({
                "name": "orders_coupon_id_fkey", "columns": ["coupon_id"],
                "referenced_table": "users", "referenced_columns": ["id"]
            }))
            .unwrap(),
        ];
        let schema = Schema {
            tables: vec![orders, users],
            ..Schema::default()
        };
        let text = diagram(&schema);
        assert!(text.starts_with("erDiagram\n    orders {\n"), "{text}");
        assert!(text.contains("        uuid user_id FK\n"), "{text}");
        assert!(text.contains("        uuid id PK\n"), "{text}");
        assert!(
            text.contains("        double_precision name \"NULL\"\n"),
            "{text}"
        );
        assert!(
            text.contains("    orders }o--|| users : \"user_id\"\n"),
            "{text}"
        );
        assert!(
            text.contains("    orders }o--o| users : \"coupon_id\"\n"),
            "{text}"
        );
    }
}
