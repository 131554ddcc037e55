//! `schema inspect --rust`: the managed tables and enum types as
//! `#[derive(EntityTable)]` structs and `#[derive(PgEnum)]` enums, the models
//! a team adopting an existing database would otherwise write by hand. Every
//! name is spelled out (table, constraints, indexes), so the models describe
//! the database exactly: autogenerate finds no change against it. What the
//! models cannot say yet is a `// note:` above its table.

use std::fmt::Write;

use forge_core::model::{
    naming, Column, ColumnType, Deferrable, EnumType, ForeignKey, Identity, Index, KeyTarget,
    MatchType, NullsOrder, Schema, Sequence, Table, TableName, UniqueConstraint,
};

/// The Rust source of models for `schema` (the default PostgreSQL schema
/// being `schema_name`).
pub fn models(schema: &Schema, schema_name: &str) -> String {
    let mut out = format!(
        "//! Models of the tables of schema {schema_name} as the database holds them, written by\n\
         //! `schema inspect --rust`: check them, split them into\n\
         //! `entities/<domain>/<entity>/table.rs`, and `migrate revision` finds no change.\n\
         //! Needs the chrono, serde_json and uuid crates for their column types.\n\
         #![allow(dead_code)]\n\nuse forge::{{EntityTable, PgEnum}};\n"
    );
    for e in &schema.enums {
        out.push('\n');
        out.push_str(&enum_type(e));
    }
    for table in &schema.tables {
        out.push('\n');
        out.push_str(&entity(table, schema));
    }
    out
}

/// `account_status` -> `AccountStatus`.
fn pascal_case(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'X');
    }
    out
}

/// The derive's default label of a variant: its snake_case.
fn snake_case(ident: &str) -> String {
    let mut out = String::new();
    for (i, c) in ident.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

fn quoted(text: &str) -> String {
    format!("{text:?}")
}

fn enum_type(e: &EnumType) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "#[derive(PgEnum, Debug, Clone, Copy, PartialEq, Eq)]");
    let _ = writeln!(out, "#[forge(name = {})]", quoted(&e.name));
    let _ = writeln!(out, "pub enum {} {{", pascal_case(&e.name));
    let mut used: Vec<String> = Vec::new();
    for label in &e.labels {
        let mut variant = pascal_case(label);
        while used.contains(&variant) {
            variant.push('_');
        }
        used.push(variant.clone());
        if snake_case(&variant) != *label {
            let _ = writeln!(out, "    #[forge(rename = {})]", quoted(label));
        }
        let _ = writeln!(out, "    {variant},");
    }
    out.push_str("}\n");
    out
}

/// The struct of a table: `BillingInvoicesTable` for `billing.invoices`.
fn struct_name(table: &TableName) -> String {
    match &table.schema {
        Some(schema) => format!("{}{}Table", pascal_case(schema), pascal_case(&table.name)),
        None => format!("{}Table", pascal_case(&table.name)),
    }
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
    "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "try",
    "type", "unsafe", "use", "where", "while", "yield",
];

/// A lowercase identifier: the same to Rust and, unquoted, to PostgreSQL.
fn is_plain(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A field for a column: its name when that is a Rust identifier (a raw one
/// for a keyword), else `column_<n>` with `column = "..."`.
fn field_name(column: &str, position: usize) -> (String, bool) {
    match (is_plain(column), KEYWORDS.contains(&column)) {
        (true, false) => (column.to_string(), false),
        (true, true) if !matches!(column, "self" | "super" | "crate") => {
            (format!("r#{column}"), false)
        }
        _ => (format!("column_{position}"), true),
    }
}

/// A column named in `index(...)`, `unique(...)` or `include(...)`: its
/// field's name.
fn field_of(table: &Table, column: &str) -> String {
    let position = table
        .columns
        .iter()
        .position(|c| c.name == column)
        .unwrap_or_default();
    field_name(column, position).0
}

/// The Rust type of a column and what it needs said about it.
struct Typed {
    rust: String,
    attributes: Vec<String>,
}

fn plain(rust: &str) -> Option<String> {
    Some(rust.to_string())
}

/// The Rust type that stands for `column_type` by itself, if one does.
fn rust_type(column_type: &ColumnType, enums: &[EnumType]) -> Option<String> {
    match column_type {
        ColumnType::SmallInt => plain("i16"),
        ColumnType::Integer => plain("i32"),
        ColumnType::BigInt => plain("i64"),
        ColumnType::Real => plain("f32"),
        ColumnType::Double => plain("f64"),
        ColumnType::Boolean => plain("bool"),
        ColumnType::Text => plain("String"),
        ColumnType::Bytes => plain("Vec<u8>"),
        ColumnType::Uuid => plain("uuid::Uuid"),
        ColumnType::Date => plain("chrono::NaiveDate"),
        ColumnType::Time { precision: None } => plain("chrono::NaiveTime"),
        ColumnType::Timestamp { precision: None } => plain("chrono::NaiveDateTime"),
        ColumnType::TimestampTz { precision: None } => plain("chrono::DateTime<chrono::Utc>"),
        ColumnType::Jsonb => plain("serde_json::Value"),
        ColumnType::Enum { name } if enums.iter().any(|e| e.name == *name) => {
            Some(pascal_case(name))
        }
        ColumnType::Array { element } => {
            rust_type(element, enums).map(|element| format!("Vec<{element}>"))
        }
        _ => None,
    }
}

fn typed(column: &Column, enums: &[EnumType]) -> Typed {
    let column_type = &column.column_type;
    let with = |rust: &str, attribute: String| Typed {
        rust: rust.to_string(),
        attributes: vec![attribute],
    };
    let typed = match (column.identity, column_type) {
        // A serial's type is the integer; `serial` says the rest.
        (Some(Identity::Serial), _) => Typed {
            rust: rust_type(column_type, enums).unwrap_or_else(|| "i64".to_string()),
            attributes: Vec::new(),
        },
        (_, ColumnType::Varchar { length: Some(n) }) => with("String", format!("max_length = {n}")),
        (_, ColumnType::Time { precision: Some(p) }) => {
            with("chrono::NaiveTime", format!("precision = {p}"))
        }
        (_, ColumnType::Timestamp { precision: Some(p) }) => {
            with("chrono::NaiveDateTime", format!("precision = {p}"))
        }
        (_, ColumnType::TimestampTz { precision: Some(p) }) => {
            with("chrono::DateTime<chrono::Utc>", format!("precision = {p}"))
        }
        (_, ColumnType::Json) => with("serde_json::Value", "sql_type = \"json\"".to_string()),
        (_, other) => match rust_type(other, enums) {
            Some(rust) => Typed {
                rust,
                attributes: Vec::new(),
            },
            // Numbers keep their precision through `sql_type`; anything else
            // Forge keeps verbatim is text to Rust until the app says better.
            None => {
                let rust = match other {
                    ColumnType::Numeric { .. } => "f64",
                    ColumnType::Array { .. } => "Vec<String>",
                    _ => "String",
                };
                with(rust, format!("sql_type = {}", quoted(&other.to_string())))
            }
        },
    };
    let rust = if column.nullable {
        format!("Option<{}>", typed.rust)
    } else {
        typed.rust
    };
    Typed { rust, ..typed }
}

/// `identity(always, start = 100)` and friends, or `serial`.
fn numbering(column: &Column) -> Option<String> {
    let identity = column.identity?;
    if identity == Identity::Serial {
        return Some("serial".to_string());
    }
    let mut parts = vec![match identity {
        Identity::Always => "always".to_string(),
        _ => "by_default".to_string(),
    }];
    if let Some(options) = Sequence::canonical(column.sequence.as_ref(), &column.column_type) {
        for (name, value) in [
            ("start", options.start),
            ("increment", options.increment),
            ("min_value", options.min_value),
            ("max_value", options.max_value),
            ("cache", options.cache),
        ] {
            if let Some(value) = value {
                parts.push(format!("{name} = {value}"));
            }
        }
        if options.cycle {
            parts.push("cycle".to_string());
        }
    }
    Some(format!("identity({})", parts.join(", ")))
}

fn deferral(deferrable: Deferrable) -> Option<&'static str> {
    match deferrable {
        Deferrable::NotDeferrable => None,
        Deferrable::InitiallyImmediate => Some("deferrable"),
        Deferrable::InitiallyDeferred => Some("deferrable = \"initially deferred\""),
    }
}

/// `references = Target` and the foreign key's options, for a one-column key
/// to a table these models describe.
fn reference(table: &Table, fk: &ForeignKey, schema: &Schema) -> Option<Vec<String>> {
    let [column] = fk.columns.as_slice() else {
        return None;
    };
    let target = schema.table_named(&fk.referenced())?;
    let [referenced] = fk.referenced_columns.as_slice() else {
        return None;
    };
    let mut parts = Vec::new();
    let to_key = target
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns == [referenced.clone()]);
    let target_name = struct_name(&target.qualified_name());
    parts.push(if to_key {
        format!("references = {target_name}")
    } else {
        format!(
            "references = {target_name}({})",
            field_of(target, referenced)
        )
    });
    if fk.name != naming::foreign_key(&table.name, &[column]) {
        parts.push(format!("fk_name = {}", quoted(&fk.name)));
    }
    if !fk.on_delete.is_default() {
        parts.push(format!(
            "on_delete = {}",
            quoted(&fk.on_delete.sql().to_lowercase())
        ));
    }
    if !fk.on_update.is_default() {
        parts.push(format!(
            "on_update = {}",
            quoted(&fk.on_update.sql().to_lowercase())
        ));
    }
    if fk.match_type == MatchType::Full {
        parts.push("match = \"full\"".to_string());
    }
    parts.extend(deferral(fk.deferrable).map(str::to_string));
    Some(parts)
}

/// One index key as the derive reads it: a field, or SQL in a string.
fn index_key(table: &Table, key: &forge_core::model::IndexKey) -> String {
    let plain =
        key.opclass.is_none() && key.collation.is_none() && !key.descending && key.nulls.is_none();
    match &key.target {
        KeyTarget::Column(column) if plain => field_of(table, column),
        target => {
            let mut sql = match target {
                KeyTarget::Column(column) if is_plain(column) => column.clone(),
                KeyTarget::Column(column) => forge_core::render::postgres::ident(column),
                KeyTarget::Expression(expression) => format!("({expression})"),
            };
            if let Some(collation) = &key.collation {
                sql.push_str(&format!(
                    " COLLATE {}",
                    forge_core::render::postgres::ident(collation)
                ));
            }
            if let Some(opclass) = &key.opclass {
                sql.push_str(&format!(" {opclass}"));
            }
            if key.descending {
                sql.push_str(" DESC");
            }
            match key.nulls {
                Some(NullsOrder::First) => sql.push_str(" NULLS FIRST"),
                Some(NullsOrder::Last) => sql.push_str(" NULLS LAST"),
                None => {}
            }
            quoted(&sql)
        }
    }
}

fn index(table: &Table, index: &Index) -> String {
    let mut parts: Vec<String> = index.keys.iter().map(|k| index_key(table, k)).collect();
    parts.push(format!("name = {}", quoted(&index.name)));
    if index.unique {
        parts.push("unique".to_string());
    }
    if index.nulls_not_distinct {
        parts.push("nulls_not_distinct".to_string());
    }
    if let Some(method) = &index.method {
        parts.push(format!("method = {}", quoted(method)));
    }
    if !index.include.is_empty() {
        let include: Vec<String> = index.include.iter().map(|c| field_of(table, c)).collect();
        parts.push(format!("include({})", include.join(", ")));
    }
    if let Some(predicate) = &index.predicate {
        parts.push(format!("where = {}", quoted(predicate)));
    }
    format!("index({})", parts.join(", "))
}

fn unique(table: &Table, unique: &UniqueConstraint) -> String {
    let mut parts: Vec<String> = unique.columns.iter().map(|c| field_of(table, c)).collect();
    parts.push(format!("name = {}", quoted(&unique.name)));
    if unique.nulls_not_distinct {
        parts.push("nulls_not_distinct".to_string());
    }
    if !unique.include.is_empty() {
        let include: Vec<String> = unique.include.iter().map(|c| field_of(table, c)).collect();
        parts.push(format!("include({})", include.join(", ")));
    }
    parts.extend(deferral(unique.deferrable).map(str::to_string));
    format!("unique({})", parts.join(", "))
}

fn doc(out: &mut String, indent: &str, comment: &Option<String>) {
    if let Some(comment) = comment.as_deref().filter(|c| !c.trim().is_empty()) {
        for line in comment.lines() {
            let _ = writeln!(out, "{indent}/// {line}");
        }
    }
}

fn entity(table: &Table, schema: &Schema) -> String {
    let mut out = String::new();
    let name = table.qualified_name();
    let mut notes: Vec<String> = Vec::new();
    let mut container = vec![format!("table = {}", quoted(&table.name))];
    if let Some(schema_name) = &table.schema {
        container.push(format!("schema = {}", quoted(schema_name)));
    }
    if let Some(partition_by) = &table.partition_by {
        container.push(format!("partition_by = {}", quoted(partition_by)));
    }
    let single_key = match &table.primary_key {
        Some(pk) if pk.columns.len() == 1 => Some(pk.columns[0].clone()),
        Some(pk) => {
            let fields: Vec<String> = pk.columns.iter().map(|c| field_of(table, c)).collect();
            container.push(format!("primary_key({})", fields.join(", ")));
            None
        }
        None => None,
    };
    if let Some(pk) = &table.primary_key {
        if pk.name != naming::primary_key(&table.name) {
            notes.push(format!(
                "the primary key is named {} in the database; models name it {}, so the first revision renames it",
                pk.name,
                naming::primary_key(&table.name)
            ));
        }
    }
    container.extend(table.indexes.iter().map(|i| index(table, i)));
    container.extend(table.uniques.iter().map(|u| unique(table, u)));
    for check in &table.checks {
        container.push(format!(
            "check(name = {}, expr = {})",
            quoted(&check.name),
            quoted(&check.expression)
        ));
    }
    let references: Vec<(String, Vec<String>)> = table
        .foreign_keys
        .iter()
        .filter_map(|fk| match reference(table, fk, schema) {
            Some(parts) => Some((fk.columns[0].clone(), parts)),
            None => {
                notes.push(format!(
                    "foreign key {} ({}) -> {} ({}) is not modelled: a model references one column of a table these models describe",
                    fk.name,
                    fk.columns.join(", "),
                    fk.referenced(),
                    fk.referenced_columns.join(", ")
                ));
                None
            }
        })
        .collect();

    for note in &notes {
        let _ = writeln!(out, "// note: {note}");
    }
    doc(&mut out, "", &table.comment);
    out.push_str("#[derive(EntityTable)]\n#[forge(\n");
    for (i, item) in container.iter().enumerate() {
        let comma = if i + 1 < container.len() { "," } else { "" };
        let _ = writeln!(out, "    {item}{comma}");
    }
    out.push_str(")]\n");
    let _ = writeln!(out, "pub struct {} {{", struct_name(&name));
    for (position, column) in table.columns.iter().enumerate() {
        let (field, renamed) = field_name(&column.name, position);
        let typed = typed(column, &schema.enums);
        let mut attributes: Vec<String> = Vec::new();
        if renamed {
            attributes.push(format!("column = {}", quoted(&column.name)));
        }
        if single_key.as_deref() == Some(column.name.as_str()) {
            attributes.push("primary_key".to_string());
        }
        attributes.extend(numbering(column));
        attributes.extend(typed.attributes);
        if let Some(collation) = &column.collation {
            attributes.push(format!("collation = {}", quoted(collation)));
        }
        if column.identity.is_none() {
            if let Some(default) = &column.default {
                attributes.push(format!("default = {}", quoted(default)));
            }
        }
        if let Some(generated) = &column.generated {
            attributes.push(format!("generated = {}", quoted(generated)));
        }
        if let Some((_, parts)) = references.iter().find(|(c, _)| *c == column.name) {
            attributes.extend(parts.iter().cloned());
        }
        doc(&mut out, "    ", &column.comment);
        if !attributes.is_empty() {
            let _ = writeln!(out, "    #[forge({})]", attributes.join(", "));
        }
        let _ = writeln!(out, "    pub {field}: {},", typed.rust);
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_rust_names() {
        assert_eq!(pascal_case("account_status"), "AccountStatus");
        assert_eq!(pascal_case("2fa-codes"), "X2faCodes");
        assert_eq!(
            struct_name(&TableName::new(Some("billing"), "invoices")),
            "BillingInvoicesTable"
        );
        assert_eq!(field_name("email", 0), ("email".to_string(), false));
        assert_eq!(field_name("type", 1), ("r#type".to_string(), false));
        assert_eq!(field_name("Full Name", 2), ("column_2".to_string(), true));
    }

    #[test]
    fn an_enum_label_the_derive_would_spell_otherwise_is_renamed() {
        let e = EnumType::new("state", &["draft", "in_review", "Done", "in-flight"]);
        assert_eq!(
            enum_type(&e),
            "#[derive(PgEnum, Debug, Clone, Copy, PartialEq, Eq)]\n#[forge(name = \"state\")]\npub enum State {\n    Draft,\n    InReview,\n    #[forge(rename = \"Done\")]\n    Done,\n    #[forge(rename = \"in-flight\")]\n    InFlight,\n}\n"
        );
    }
}
