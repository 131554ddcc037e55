//! Catalog rows to the schema model: pure functions, no database, so every
//! mapping (type aliases, typmods, serial columns, check bodies, index keys)
//! is unit-tested on rows written by hand.

use std::collections::BTreeMap;

use super::objects;
use super::query::{CatalogRows, ColumnRow, ConstraintRow, EnumRow, IndexRow, TableRow};
use crate::introspect::IntrospectOptions;
use crate::model::{
    CheckConstraint, Column, ColumnType, Deferrable, EnumType, ForeignKey, Identity, Index,
    IndexKey, KeyTarget, MatchType, NullsOrder, ObjectKind, PrimaryKey, ReferentialAction, Schema,
    Sequence, Table, TableName, UniqueConstraint,
};

/// Builds the schema of `schema_name` (the default schema: its tables have no
/// schema of their own in the model) and the other schemas read, from their
/// catalog rows, leaving out the ignored tables (and every row that belongs to
/// a table not listed, such as one created between two queries), sorted by
/// [`Schema::normalize`].
pub fn parse_schema(rows: CatalogRows, schema_name: &str, options: &IntrospectOptions) -> Schema {
    parse_schema_in(rows, schema_name, schema_name, options)
}

/// [`parse_schema`], where the enum types columns may use are those of
/// `enum_schema` (the default schema, also when reading temporary tables).
pub fn parse_schema_in(
    rows: CatalogRows,
    schema_name: &str,
    enum_schema: &str,
    options: &IntrospectOptions,
) -> Schema {
    let names = ColumnNames::new(&rows.columns);
    let here = |schema: &str| (schema != schema_name).then(|| schema.to_string());
    let exclude = &options.exclude;
    let mut tables: BTreeMap<TableName, Table> = rows
        .tables
        .into_iter()
        .filter(|t| !(t.schema == schema_name && options.is_ignored(&t.name)))
        .filter(|t| {
            exclude
                .matching(ObjectKind::Table, Some(&t.schema), &t.name, schema_name)
                .is_none()
        })
        .map(|t| {
            (
                TableName::new(here(&t.schema).as_deref(), &t.name),
                parse_table(t, schema_name),
            )
        })
        .collect();
    let key = |schema: &str, table: &str| TableName::new(here(schema).as_deref(), table);
    for row in rows.columns {
        if let Some(table) = tables.get_mut(&key(&row.schema, &row.table)) {
            table.columns.push(parse_column(row, enum_schema));
        }
    }
    for row in rows.constraints {
        if let Some(table) = tables.get_mut(&key(&row.schema, &row.table)) {
            add_constraint(table, row, &names, schema_name);
        }
    }
    for row in rows.indexes {
        if let Some(table) = tables.get_mut(&key(&row.schema, &row.table)) {
            table.indexes.push(parse_index(row, &names));
        }
    }
    let enums = rows
        .enums
        .into_iter()
        .filter(|e| {
            exclude
                .matching(ObjectKind::Enum, None, &e.name, schema_name)
                .is_none()
        })
        .map(parse_enum)
        .collect();
    let tables: Vec<Table> = tables.into_values().collect();
    let unmanaged = objects::parse_objects(rows.objects, schema_name, &tables, options);
    Schema {
        tables,
        enums,
        namespaces: rows
            .namespaces
            .into_iter()
            .filter(|n| n != schema_name)
            .collect(),
        unmanaged,
    }
    .normalized()
}

/// Column names by schema, table and column number (`attnum`), which is how
/// constraints and indexes refer to columns in the catalogs.
#[derive(Debug, Default)]
pub struct ColumnNames {
    by_table: BTreeMap<(String, String), BTreeMap<i16, String>>,
}

impl ColumnNames {
    pub fn new(columns: &[ColumnRow]) -> Self {
        let mut by_table: BTreeMap<(String, String), BTreeMap<i16, String>> = BTreeMap::new();
        for column in columns {
            by_table
                .entry((column.schema.clone(), column.table.clone()))
                .or_default()
                .insert(column.position, column.name.clone());
        }
        ColumnNames { by_table }
    }

    /// The names of `numbers` in `table`, in the given order. A number without
    /// a column (the table changed between two queries) is left out.
    pub fn resolve(&self, schema: &str, table: &str, numbers: &[i16]) -> Vec<String> {
        let Some(columns) = self.by_table.get(&(schema.to_string(), table.to_string())) else {
            return Vec::new();
        };
        numbers
            .iter()
            .filter_map(|n| columns.get(n).cloned())
            .collect()
    }

    fn name(&self, schema: &str, table: &str, number: i16) -> Option<&str> {
        self.by_table
            .get(&(schema.to_string(), table.to_string()))?
            .get(&number)
            .map(String::as_str)
    }
}

fn parse_table(row: TableRow, schema_name: &str) -> Table {
    let mut table = Table::new(row.name);
    table.schema = (row.schema != schema_name).then_some(row.schema);
    table.comment = row.comment;
    table.partition_by = row.partition_by;
    table
}

/// `enum_schema`: the schema whose enum types the model holds.
pub fn parse_column(row: ColumnRow, enum_schema: &str) -> Column {
    let column_type = column_type(&row, enum_schema);
    let mut identity = match row.identity.as_str() {
        "a" => Some(Identity::Always),
        "d" => Some(Identity::ByDefault),
        _ => None,
    };
    let mut default = row.default;
    let serial = row.sequence.as_ref().is_some_and(|s| s.dependency == "a");
    if identity.is_none() && serial && default.as_deref().is_some_and(is_nextval) {
        // `serial`: a sequence the column owns feeds its default.
        identity = Some(Identity::Serial);
        default = None;
    }
    let sequence = match (&row.sequence, identity) {
        (Some(s), Some(_)) => {
            let options = Sequence {
                name: None,
                start: Some(s.start),
                increment: Some(s.increment),
                min_value: Some(s.min),
                max_value: Some(s.max),
                cache: Some(s.cache),
                cycle: s.cycle,
            };
            // A serial's options too: the models cannot ask for them (the
            // diff keeps them as they are), but a script that recreates the
            // database must.
            let options = Sequence::canonical(Some(&options), &column_type).unwrap_or_default();
            Some(Sequence {
                name: Some(s.name.clone()),
                ..options
            })
        }
        _ => None,
    };
    Column {
        name: row.name,
        column_type,
        nullable: !row.not_null,
        default,
        identity,
        sequence,
        collation: row.collation,
        generated: row.generated,
        comment: row.comment,
        renamed_from: Vec::new(),
    }
}

fn is_nextval(default: &str) -> bool {
    default
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("nextval(")
}

/// The model type of a column: PostgreSQL's internal names and type
/// modifiers mapped to [`ColumnType`], anything else kept as `format_type()` says.
pub fn column_type(row: &ColumnRow, schema_name: &str) -> ColumnType {
    match (&row.element_name, &row.element_kind, &row.element_schema) {
        (Some(name), Some(kind), Some(type_schema)) => {
            let formatted = row
                .formatted_type
                .strip_suffix("[]")
                .unwrap_or(&row.formatted_type);
            // An array column's typmod is its element's.
            ColumnType::array(scalar_type(
                name,
                kind,
                type_schema,
                row.type_modifier,
                formatted,
                schema_name,
            ))
        }
        _ => scalar_type(
            &row.type_name,
            &row.type_kind,
            &row.type_schema,
            row.type_modifier,
            &row.formatted_type,
            schema_name,
        ),
    }
}

fn scalar_type(
    name: &str,
    kind: &str,
    type_schema: &str,
    typmod: i32,
    formatted: &str,
    schema_name: &str,
) -> ColumnType {
    let custom = || ColumnType::Custom {
        sql: formatted.to_string(),
    };
    if kind == "e" {
        // An enum of another schema is not one the model of this schema holds.
        return if type_schema == schema_name {
            ColumnType::Enum {
                name: name.to_string(),
            }
        } else {
            custom()
        };
    }
    if type_schema != "pg_catalog" {
        return custom();
    }
    // A length or precision modifier is the declared value plus 4 (VARHDRSZ);
    // the time types store their precision as is.
    let modifier = (typmod >= 4).then(|| typmod - 4);
    let precision = (typmod >= 0).then_some(typmod as u32);
    match name {
        "int2" => ColumnType::SmallInt,
        "int4" => ColumnType::Integer,
        "int8" => ColumnType::BigInt,
        "float4" => ColumnType::Real,
        "float8" => ColumnType::Double,
        "bool" => ColumnType::Boolean,
        "text" => ColumnType::Text,
        "bytea" => ColumnType::Bytes,
        "uuid" => ColumnType::Uuid,
        "date" => ColumnType::Date,
        "json" => ColumnType::Json,
        "jsonb" => ColumnType::Jsonb,
        "varchar" => ColumnType::Varchar {
            length: modifier.map(|n| n as u32),
        },
        "bpchar" => match modifier {
            Some(n) => ColumnType::Char { length: n as u32 },
            None => custom(),
        },
        "numeric" => match modifier {
            None => ColumnType::Numeric {
                precision: None,
                scale: None,
            },
            Some(m) => {
                let precision = ((m >> 16) & 0xffff) as u32;
                // The scale is an 11-bit signed field (negative scales exist since PG 15).
                let scale = ((m & 0x7ff) ^ 0x400) - 0x400;
                if scale < 0 {
                    custom()
                } else {
                    ColumnType::Numeric {
                        precision: Some(precision),
                        scale: Some(scale as u32),
                    }
                }
            }
        },
        "time" => ColumnType::Time { precision },
        "timetz" => ColumnType::TimeTz { precision },
        "timestamp" => ColumnType::Timestamp { precision },
        "timestamptz" => ColumnType::TimestampTz { precision },
        "interval" => {
            // The modifier packs a field restriction (high half; 0x7fff: none)
            // and a precision (low half; 0xffff: none).
            let fields = (typmod >> 16) & 0x7fff;
            let digits = typmod & 0xffff;
            if typmod < 0 {
                ColumnType::INTERVAL
            } else if fields != 0x7fff {
                // `interval day to second`: no model slot, kept as spelled.
                custom()
            } else {
                ColumnType::Interval {
                    precision: (digits != 0xffff).then_some(digits as u32),
                }
            }
        }
        _ => custom(),
    }
}

fn add_constraint(table: &mut Table, row: ConstraintRow, names: &ColumnNames, schema_name: &str) {
    let columns = names.resolve(&row.schema, &row.table, &row.column_numbers);
    match row.kind.as_str() {
        "p" => {
            table.primary_key = Some(PrimaryKey {
                name: row.name,
                columns,
            })
        }
        "u" => table.uniques.push(UniqueConstraint {
            name: row.name,
            columns,
            nulls_not_distinct: row.nulls_not_distinct,
            include: names.resolve(&row.schema, &row.table, &row.include_numbers),
            deferrable: deferrable(row.deferrable, row.deferred),
        }),
        "f" => {
            let referenced_table = row.referenced_table.unwrap_or_default();
            let referenced_schema = row.referenced_schema.unwrap_or_default();
            let referenced_columns = match row.referenced_columns_elsewhere {
                Some(elsewhere) => elsewhere,
                None => names.resolve(
                    &referenced_schema,
                    &referenced_table,
                    &row.referenced_column_numbers,
                ),
            };
            table.foreign_keys.push(ForeignKey {
                name: row.name,
                columns,
                referenced_schema: (referenced_schema != schema_name).then_some(referenced_schema),
                referenced_table,
                referenced_columns,
                on_delete: referential_action(&row.on_delete),
                on_update: referential_action(&row.on_update),
                deferrable: deferrable(row.deferrable, row.deferred),
                match_type: match row.match_type.as_str() {
                    "f" => MatchType::Full,
                    _ => MatchType::Simple,
                },
                not_valid: !row.validated,
            })
        }
        "c" => table.checks.push(CheckConstraint {
            name: row.name,
            expression: check_body(&row.definition),
            not_valid: !row.validated,
            no_inherit: row
                .definition
                .trim_end()
                .trim_end_matches("NOT VALID")
                .trim_end()
                .ends_with("NO INHERIT"),
        }),
        _ => {}
    }
}

/// `condeferrable` / `condeferred` to the model's deferral.
fn deferrable(deferrable: bool, deferred: bool) -> Deferrable {
    match (deferrable, deferred) {
        (false, _) => Deferrable::NotDeferrable,
        (true, false) => Deferrable::InitiallyImmediate,
        (true, true) => Deferrable::InitiallyDeferred,
    }
}

/// `confdeltype` / `confupdtype` to the model's action.
pub fn referential_action(code: &str) -> ReferentialAction {
    match code {
        "r" => ReferentialAction::Restrict,
        "c" => ReferentialAction::Cascade,
        "n" => ReferentialAction::SetNull,
        "d" => ReferentialAction::SetDefault,
        _ => ReferentialAction::NoAction,
    }
}

/// The boolean expression of `CHECK (expr) [NO INHERIT] [NOT VALID]`, as
/// PostgreSQL prints it, without the wrapper.
pub fn check_body(definition: &str) -> String {
    let mut body = definition.trim();
    body = body.strip_prefix("CHECK").unwrap_or(body).trim();
    for suffix in ["NOT VALID", "NO INHERIT"] {
        body = body.strip_suffix(suffix).unwrap_or(body).trim_end();
    }
    strip_one_paren_pair(body).to_string()
}

/// Removes the parentheses around the whole expression, once.
fn strip_one_paren_pair(expr: &str) -> &str {
    let Some(inner) = expr.strip_prefix('(').and_then(|e| e.strip_suffix(')')) else {
        return expr;
    };
    let mut depth = 0i32;
    let mut in_literal = false;
    let mut in_identifier = false;
    for c in inner.chars() {
        match c {
            '\'' if !in_identifier => in_literal = !in_literal,
            '"' if !in_literal => in_identifier = !in_identifier,
            '(' if !in_literal && !in_identifier => depth += 1,
            ')' if !in_literal && !in_identifier => {
                depth -= 1;
                // `(a) AND (b)`: the first and last parentheses are not a pair.
                if depth < 0 {
                    return expr;
                }
            }
            _ => {}
        }
    }
    if depth == 0 {
        inner.trim()
    } else {
        expr
    }
}

pub fn parse_index(row: IndexRow, names: &ColumnNames) -> Index {
    let keys = row
        .key_numbers
        .iter()
        .enumerate()
        .map(|(position, &number)| {
            let option = row.key_options.get(position).copied().unwrap_or(0);
            // indoption bit 0: DESC; bit 1: NULLS FIRST.
            let descending = option & 1 == 1;
            let nulls = if option & 2 == 2 {
                NullsOrder::First
            } else {
                NullsOrder::Last
            };
            let target = match names.name(&row.schema, &row.table, number) {
                Some(name) if number != 0 => KeyTarget::Column(name.to_string()),
                _ => KeyTarget::Expression(
                    row.key_expressions
                        .as_ref()
                        .and_then(|e| e.get(position))
                        .cloned()
                        .unwrap_or_default(),
                ),
            };
            let at = |list: &Option<Vec<String>>| {
                list.as_ref()
                    .and_then(|o| o.get(position))
                    .filter(|o| !o.is_empty())
                    .cloned()
            };
            IndexKey {
                target,
                descending,
                nulls: Some(nulls),
                opclass: at(&row.key_opclasses),
                collation: at(&row.key_collations),
            }
            .canonical()
        })
        .collect();
    Index {
        name: row.name,
        keys,
        unique: row.unique,
        nulls_not_distinct: row.nulls_not_distinct,
        include: names.resolve(&row.schema, &row.table, &row.include_numbers),
        predicate: row.predicate,
        method: (row.method != "btree").then_some(row.method),
    }
}

fn parse_enum(row: EnumRow) -> EnumType {
    EnumType {
        name: row.name,
        labels: row.labels,
        renamed_labels: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::query::SequenceRow;
    use super::*;

    fn column(name: &str, type_name: &str, typmod: i32, formatted: &str) -> ColumnRow {
        ColumnRow {
            schema: "public".into(),
            table: "t".into(),
            name: name.into(),
            type_name: type_name.into(),
            type_kind: "b".into(),
            type_schema: "pg_catalog".into(),
            type_modifier: typmod,
            formatted_type: formatted.into(),
            ..ColumnRow::default()
        }
    }

    fn array(element: &str, typmod: i32, formatted: &str) -> ColumnRow {
        ColumnRow {
            element_name: Some(element.into()),
            element_kind: Some("b".into()),
            element_schema: Some("pg_catalog".into()),
            ..column("a", &format!("_{element}"), typmod, formatted)
        }
    }

    fn type_of(row: ColumnRow) -> ColumnType {
        column_type(&row, "public")
    }

    #[test]
    fn internal_type_names_map_to_the_model() {
        let cases = [
            ("int2", ColumnType::SmallInt, "smallint"),
            ("int4", ColumnType::Integer, "integer"),
            ("int8", ColumnType::BigInt, "bigint"),
            ("float4", ColumnType::Real, "real"),
            ("float8", ColumnType::Double, "double precision"),
            ("bool", ColumnType::Boolean, "boolean"),
            ("text", ColumnType::Text, "text"),
            ("bytea", ColumnType::Bytes, "bytea"),
            ("uuid", ColumnType::Uuid, "uuid"),
            ("date", ColumnType::Date, "date"),
            ("time", ColumnType::TIME, "time without time zone"),
            (
                "timetz",
                ColumnType::TimeTz { precision: None },
                "time with time zone",
            ),
            (
                "timestamp",
                ColumnType::TIMESTAMP,
                "timestamp without time zone",
            ),
            (
                "timestamptz",
                ColumnType::TIMESTAMPTZ,
                "timestamp with time zone",
            ),
            ("interval", ColumnType::INTERVAL, "interval"),
            ("json", ColumnType::Json, "json"),
            ("jsonb", ColumnType::Jsonb, "jsonb"),
        ];
        for (name, expected, formatted) in cases {
            assert_eq!(
                type_of(column("c", name, -1, formatted)),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn type_modifiers_give_lengths_precision_and_scale() {
        assert_eq!(
            type_of(column("c", "varchar", 24, "character varying(20)")),
            ColumnType::varchar(20)
        );
        assert_eq!(
            type_of(column("c", "varchar", -1, "character varying")),
            ColumnType::Varchar { length: None }
        );
        assert_eq!(
            type_of(column("c", "bpchar", 7, "character(3)")),
            ColumnType::Char { length: 3 }
        );
        // numeric(10,2): ((10 << 16) | 2) + 4
        assert_eq!(
            type_of(column("c", "numeric", (10 << 16 | 2) + 4, "numeric(10,2)")),
            ColumnType::Numeric {
                precision: Some(10),
                scale: Some(2)
            }
        );
        assert_eq!(
            type_of(column("c", "numeric", -1, "numeric")),
            ColumnType::Numeric {
                precision: None,
                scale: None
            }
        );
        // numeric(5,-2) has no model slot.
        let negative = (5 << 16 | (-2i32 & 0x7ff)) + 4;
        assert_eq!(
            type_of(column("c", "numeric", negative, "numeric(5,-2)")),
            ColumnType::Custom {
                sql: "numeric(5,-2)".into()
            }
        );
        assert_eq!(
            type_of(column("c", "timestamptz", 3, "timestamp(3) with time zone")),
            ColumnType::TimestampTz { precision: Some(3) }
        );
        assert_eq!(
            type_of(column("c", "time", 0, "time(0) without time zone")),
            ColumnType::Time { precision: Some(0) }
        );
        // interval(2): no field restriction (0x7fff), precision 2.
        assert_eq!(
            type_of(column("c", "interval", 0x7fff << 16 | 2, "interval(2)")),
            ColumnType::Interval { precision: Some(2) }
        );
        // interval day to second(2) has no model slot: kept as spelled.
        assert_eq!(
            type_of(column(
                "c",
                "interval",
                470286338,
                "interval day to second(2)"
            )),
            ColumnType::custom("interval day to second(2)")
        );
    }

    #[test]
    fn unknown_types_are_kept_as_postgresql_spells_them() {
        assert_eq!(
            type_of(column("c", "inet", -1, "inet")),
            ColumnType::Custom { sql: "inet".into() }
        );
        let mut domain = column("c", "email", -1, "email");
        domain.type_kind = "d".into();
        domain.type_schema = "public".into();
        assert_eq!(
            type_of(domain),
            ColumnType::Custom {
                sql: "email".into()
            }
        );
    }

    #[test]
    fn arrays_map_their_element_with_the_column_modifier() {
        assert_eq!(
            type_of(array("text", -1, "text[]")),
            ColumnType::array(ColumnType::Text)
        );
        assert_eq!(
            type_of(array("varchar", 14, "character varying(10)[]")),
            ColumnType::array(ColumnType::varchar(10))
        );
        assert_eq!(
            type_of(array("inet", -1, "inet[]")),
            ColumnType::array(ColumnType::Custom { sql: "inet".into() })
        );
    }

    #[test]
    fn enums_of_this_schema_are_named_and_others_kept_verbatim() {
        let mut mood = column("c", "mood", -1, "mood");
        mood.type_kind = "e".into();
        mood.type_schema = "public".into();
        assert_eq!(
            type_of(mood.clone()),
            ColumnType::Enum {
                name: "mood".into()
            }
        );
        mood.type_schema = "other".into();
        mood.formatted_type = "other.mood".into();
        assert_eq!(
            type_of(mood),
            ColumnType::Custom {
                sql: "other.mood".into()
            }
        );

        let mut moods = array("mood", -1, "mood[]");
        moods.element_kind = Some("e".into());
        moods.element_schema = Some("public".into());
        assert_eq!(
            type_of(moods),
            ColumnType::array(ColumnType::Enum {
                name: "mood".into()
            })
        );
    }

    fn sequence(name: &str, dependency: &str) -> SequenceRow {
        SequenceRow {
            name: name.into(),
            dependency: dependency.into(),
            start: 1,
            increment: 1,
            min: 1,
            max: i32::MAX as i64,
            cache: 1,
            cycle: false,
        }
    }

    #[test]
    fn serial_columns_read_as_serial_and_identities_as_identities() {
        let mut id = column("id", "int4", -1, "integer");
        id.not_null = true;
        id.default = Some("nextval('t_id_seq'::regclass)".into());
        id.sequence = Some(sequence("t_id_seq", "a"));
        let parsed = parse_column(id.clone(), "public");
        assert_eq!(parsed.identity, Some(Identity::Serial));
        assert_eq!(parsed.default, None);
        assert_eq!(
            parsed.sequence.and_then(|s| s.name).as_deref(),
            Some("t_id_seq")
        );

        // A shared sequence the column does not own stays a default.
        id.sequence = None;
        let parsed = parse_column(id, "public");
        assert_eq!(parsed.identity, None);
        assert_eq!(
            parsed.default.as_deref(),
            Some("nextval('t_id_seq'::regclass)")
        );

        let mut identity = column("id", "int4", -1, "integer");
        identity.identity = "d".into();
        identity.sequence = Some(SequenceRow {
            start: 100,
            increment: 5,
            ..sequence("t_id_seq", "i")
        });
        let parsed = parse_column(identity, "public");
        assert_eq!(parsed.identity, Some(Identity::ByDefault));
        assert_eq!(
            parsed.sequence,
            Some(Sequence {
                name: Some("t_id_seq".into()),
                start: Some(100),
                increment: Some(5),
                ..Sequence::default()
            })
        );
    }

    #[test]
    fn identity_defaults_collations_and_generated_columns_are_read_as_printed() {
        let mut always = column("id", "int8", -1, "bigint");
        always.identity = "a".into();
        assert_eq!(
            parse_column(always, "public").identity,
            Some(Identity::Always)
        );

        let mut status = column("status", "varchar", 24, "character varying(20)");
        status.default = Some("'active'::character varying".into());
        status.comment = Some("lifecycle".into());
        status.collation = Some("C".into());
        let parsed = parse_column(status, "public");
        // The text is kept as printed; comparing it is the diff's job.
        assert_eq!(
            parsed.default.as_deref(),
            Some("'active'::character varying")
        );
        assert_eq!(parsed.comment.as_deref(), Some("lifecycle"));
        assert_eq!(parsed.collation.as_deref(), Some("C"));
        assert!(parsed.nullable);

        let mut generated = column("total", "int4", -1, "integer");
        generated.generated = Some("(a + b)".into());
        let parsed = parse_column(generated, "public");
        assert_eq!(parsed.generated.as_deref(), Some("(a + b)"));
        assert_eq!(parsed.default, None);
    }

    #[test]
    fn check_bodies_lose_their_wrapper_only() {
        assert_eq!(
            check_body("CHECK (price > 0::double precision)"),
            "price > 0::double precision"
        );
        assert_eq!(
            check_body("CHECK ((a > 0) AND (b > 0))"),
            "(a > 0) AND (b > 0)"
        );
        assert_eq!(check_body("CHECK (a > 0) NOT VALID"), "a > 0");
        assert_eq!(
            check_body("CHECK (name <> ')'::text) NO INHERIT"),
            "name <> ')'::text"
        );
    }

    /// Columns of `table` numbered from 1, as `attnum` does.
    fn numbered(table: &str, names: &[&str]) -> Vec<ColumnRow> {
        names
            .iter()
            .enumerate()
            .map(|(i, name)| ColumnRow {
                table: table.into(),
                position: i as i16 + 1,
                ..column(name, "int4", -1, "integer")
            })
            .collect()
    }

    #[test]
    fn constraints_fill_their_slots_with_columns_in_key_order() {
        let mut columns = numbered("orders", &["a", "b", "code", "user_id", "total"]);
        columns.extend(numbered("users", &["name", "id"]));
        let names = ColumnNames::new(&columns);
        let mut table = Table::new("orders");
        let base = ConstraintRow {
            schema: "public".into(),
            table: "orders".into(),
            validated: true,
            ..ConstraintRow::default()
        };
        let constraints = [
            ConstraintRow {
                name: "orders_pkey".into(),
                kind: "p".into(),
                column_numbers: vec![2, 1],
                ..base.clone()
            },
            ConstraintRow {
                name: "orders_code_key".into(),
                kind: "u".into(),
                column_numbers: vec![3],
                ..base.clone()
            },
            ConstraintRow {
                name: "orders_user_id_fkey".into(),
                kind: "f".into(),
                column_numbers: vec![4],
                referenced_schema: Some("public".into()),
                referenced_table: Some("users".into()),
                referenced_column_numbers: vec![2],
                on_delete: "c".into(),
                on_update: "n".into(),
                match_type: "f".into(),
                deferrable: true,
                deferred: true,
                ..base.clone()
            },
            ConstraintRow {
                name: "orders_remote_fkey".into(),
                kind: "f".into(),
                column_numbers: vec![1, 2],
                referenced_schema: Some("other".into()),
                referenced_table: Some("remote".into()),
                referenced_column_numbers: vec![7, 8],
                referenced_columns_elsewhere: Some(vec!["x".into(), "y".into()]),
                on_delete: "a".into(),
                on_update: "a".into(),
                match_type: "s".into(),
                deferrable: true,
                validated: false,
                ..base.clone()
            },
            ConstraintRow {
                name: "orders_total_check".into(),
                kind: "c".into(),
                column_numbers: vec![5],
                definition: "CHECK (total >= 0)".into(),
                ..base
            },
        ];
        for row in constraints {
            add_constraint(&mut table, row, &names, "public");
        }
        assert_eq!(
            table.primary_key,
            Some(PrimaryKey {
                name: "orders_pkey".into(),
                columns: strings(&["b", "a"])
            })
        );
        assert_eq!(
            table.uniques,
            vec![UniqueConstraint::new("orders_code_key", &["code"])]
        );
        assert_eq!(
            table.foreign_keys,
            vec![
                ForeignKey {
                    on_delete: ReferentialAction::Cascade,
                    on_update: ReferentialAction::SetNull,
                    deferrable: Deferrable::InitiallyDeferred,
                    match_type: MatchType::Full,
                    ..ForeignKey::new("orders_user_id_fkey", &["user_id"], "users", &["id"])
                },
                ForeignKey {
                    referenced_schema: Some("other".into()),
                    deferrable: Deferrable::InitiallyImmediate,
                    not_valid: true,
                    ..ForeignKey::new("orders_remote_fkey", &["a", "b"], "remote", &["x", "y"])
                },
            ]
        );
        assert_eq!(
            table.checks,
            vec![CheckConstraint::new("orders_total_check", "total >= 0")]
        );
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn referential_actions_map_from_their_codes() {
        assert_eq!(referential_action("a"), ReferentialAction::NoAction);
        assert_eq!(referential_action("r"), ReferentialAction::Restrict);
        assert_eq!(referential_action("c"), ReferentialAction::Cascade);
        assert_eq!(referential_action("n"), ReferentialAction::SetNull);
        assert_eq!(referential_action("d"), ReferentialAction::SetDefault);
    }

    #[test]
    fn index_keys_keep_order_direction_and_expressions() {
        let names = ColumnNames::new(&numbered("users", &["a", "b", "email"]));
        let index = parse_index(
            IndexRow {
                schema: "public".into(),
                table: "users".into(),
                name: "ix_users_mixed".into(),
                unique: true,
                method: "btree".into(),
                predicate: Some("deleted_at IS NULL".into()),
                key_numbers: vec![2, 0, 1, 0, 3],
                include_numbers: vec![3],
                key_options: vec![0, 0, 3, 1, 2],
                key_opclasses: Some(strings(&["", "text_pattern_ops", "", "", ""])),
                key_expressions: Some(strings(&["", "lower(email)", "", "(a + 1)", ""])),
                ..IndexRow::default()
            },
            &names,
        );
        assert_eq!(
            index.keys,
            vec![
                IndexKey::column("b"),
                IndexKey {
                    opclass: Some("text_pattern_ops".into()),
                    ..IndexKey::expression("lower(email)")
                },
                // DESC puts NULLs first unless told otherwise.
                IndexKey::column("a").desc(),
                IndexKey {
                    nulls: Some(NullsOrder::Last),
                    ..IndexKey::expression("(a + 1)").desc()
                },
                IndexKey {
                    nulls: Some(NullsOrder::First),
                    ..IndexKey::column("email")
                },
            ]
        );
        assert_eq!(index.include, ["email"]);
        assert!(index.unique);
        assert_eq!(index.method, None);
        assert_eq!(index.predicate.as_deref(), Some("deleted_at IS NULL"));

        let hash = parse_index(
            IndexRow {
                schema: "public".into(),
                table: "users".into(),
                name: "ix_hash".into(),
                method: "hash".into(),
                key_numbers: vec![3],
                key_options: vec![0],
                ..IndexRow::default()
            },
            &names,
        );
        assert_eq!(hash.keys, vec![IndexKey::column("email")]);
        assert_eq!(hash.method.as_deref(), Some("hash"));
    }

    fn public() -> TableRow {
        TableRow {
            schema: "public".into(),
            ..TableRow::default()
        }
    }

    #[test]
    fn ignored_and_unknown_tables_are_left_out_and_the_result_is_sorted() {
        let rows = CatalogRows {
            tables: vec![
                TableRow {
                    name: "zebras".into(),
                    comment: Some("stripes".into()),
                    ..public()
                },
                TableRow {
                    name: "forge_version".into(),
                    ..public()
                },
                TableRow {
                    name: "apes".into(),
                    ..public()
                },
                TableRow {
                    name: "audit".into(),
                    ..public()
                },
                TableRow {
                    schema: "billing".into(),
                    name: "audit".into(),
                    ..TableRow::default()
                },
            ],
            columns: vec![
                column("id", "int4", -1, "integer"),
                ColumnRow {
                    table: "zebras".into(),
                    ..column("id", "int4", -1, "integer")
                },
                ColumnRow {
                    table: "forge_version".into(),
                    ..column("version_num", "varchar", 36, "character varying(32)")
                },
            ],
            constraints: vec![ConstraintRow {
                schema: "public".into(),
                table: "forge_version".into(),
                name: "forge_version_pkc".into(),
                kind: "p".into(),
                column_numbers: vec![1],
                ..ConstraintRow::default()
            }],
            indexes: vec![],
            namespaces: vec!["billing".into(), "public".into()],
            objects: vec![],
            enums: vec![
                EnumRow {
                    name: "size".into(),
                    labels: vec!["small".into(), "large".into()],
                },
                EnumRow {
                    name: "color".into(),
                    labels: vec!["red".into()],
                },
            ],
        };
        let schema = parse_schema(
            rows,
            "public",
            &IntrospectOptions::default().ignoring("audit"),
        );
        let names: Vec<String> = schema
            .tables
            .iter()
            .map(|t| t.qualified_name().to_string())
            .collect();
        // `audit` is ignored in the default schema only; another schema's tables come after.
        assert_eq!(names, ["apes", "zebras", "billing.audit"]);
        assert_eq!(schema.namespaces, ["billing"]);
        assert_eq!(schema.tables[1].comment.as_deref(), Some("stripes"));
        assert_eq!(schema.tables[1].columns.len(), 1);
        let enums: Vec<&str> = schema.enums.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(enums, ["color", "size"]);
        assert_eq!(
            schema.enums[1].labels,
            ["small", "large"],
            "labels keep their declared order"
        );
    }
}
