//! The rules an entity or enum must follow beyond what parsing sees, one small
//! function each. Every rule reports on the token the user has to change.

use std::collections::BTreeMap;

use crate::ast::{Entity, Field, PgEnumDef};
use crate::attr::CompositeKind;
use crate::ctxt::Ctxt;

/// PostgreSQL cuts longer identifiers and enum labels silently.
const MAX_IDENTIFIER_BYTES: usize = 63;

pub fn entity(cx: &Ctxt, entity: &Entity) {
    check_has_columns(cx, entity);
    check_names_not_empty(cx, entity);
    for field in &entity.fields {
        check_flatten_alone(cx, field);
        check_skip_alone(cx, field);
        check_max_length_positive(cx, field);
        check_max_length_without_sql_type(cx, field);
        check_actions_need_reference(cx, field);
        check_one_bound_per_side(cx, field);
        check_bounds_leave_room(cx, field);
        check_primary_key_not_option(cx, field);
        check_identity_without_default(cx, field);
        check_one_numbering(cx, field);
        check_generated_alone(cx, field);
        check_precision(cx, field);
        check_foreign_key_options_need_reference(cx, field);
        check_field_index_options(cx, field);
    }
    check_primary_key_declared_once(cx, entity);
    check_column_names_unique(cx, entity);
    check_composites(cx, entity);
}

pub fn pg_enum(cx: &Ctxt, def: &PgEnumDef) {
    check_enum_has_variants(cx, def);
    check_enum_labels(cx, def);
    check_enum_renames(cx, def);
}

/// A table without columns is almost certainly a mistake (every field skipped).
fn check_has_columns(cx: &Ctxt, entity: &Entity) {
    if entity.fields.iter().all(|f| f.attrs.skip.is_set()) {
        cx.error_at(
            entity.ident.span(),
            "an entity needs at least one column; every field here is missing or skipped",
        );
    }
}

/// An empty name would produce invalid SQL much later, far from its cause.
fn check_names_not_empty(cx: &Ctxt, entity: &Entity) {
    let mut slots = vec![
        ("table", entity.attrs.table.slot()),
        ("schema", entity.attrs.schema.slot()),
        ("partition_by", entity.attrs.partition_by.slot()),
    ];
    for field in &entity.fields {
        slots.push(("column", field.attrs.column.slot()));
        slots.push(("check", field.attrs.check.slot()));
        slots.push(("default", field.attrs.default.slot()));
        slots.push(("collation", field.attrs.collation.slot()));
        slots.push(("generated", field.attrs.generated.slot()));
        slots.push(("fk_name", field.attrs.fk_name.slot()));
    }
    for (name, slot) in slots {
        if let Some(slot) = slot.filter(|s| s.value.trim().is_empty()) {
            cx.error_at(slot.value_span, format!("`{name}` cannot be empty"));
        }
    }
    for slot in entity
        .fields
        .iter()
        .flat_map(|f| &f.attrs.renamed_from)
        .chain(&entity.attrs.renamed_from)
    {
        if slot.value.trim().is_empty() {
            cx.error_at(slot.value_span, "`renamed_from` cannot be empty");
        }
    }
    let table = entity.table_name();
    if table.len() > MAX_IDENTIFIER_BYTES {
        let span = entity
            .attrs
            .table
            .slot()
            .map(|s| s.value_span)
            .unwrap_or_else(|| entity.ident.span());
        cx.error_at(
            span,
            format!("table name `{table}` is longer than PostgreSQL's 63-byte limit"),
        );
    }
}

/// A flattened field is a group of columns described by its own type; column
/// attributes on the group itself would have nothing to apply to.
fn check_flatten_alone(cx: &Ctxt, field: &Field) {
    if !field.attrs.flatten.is_set() {
        return;
    }
    for (name, span) in field.attrs.given.iter().filter(|(n, _)| *n != "flatten") {
        cx.error_at(
            *span,
            format!("`{name}` cannot be combined with `flatten`: the columns of a flattened field are declared on its type"),
        );
    }
}

/// A skipped field is not a column, so any column attribute on it is dead.
fn check_skip_alone(cx: &Ctxt, field: &Field) {
    if !field.attrs.skip.is_set() {
        return;
    }
    for (name, span) in field.attrs.given.iter().filter(|(n, _)| *n != "skip") {
        cx.error_at(
            *span,
            format!("`{name}` cannot be combined with `skip`: a skipped field is not a column"),
        );
    }
}

/// `varchar(0)` is rejected by PostgreSQL.
fn check_max_length_positive(cx: &Ctxt, field: &Field) {
    if let Some(slot) = field.attrs.max_length.slot().filter(|s| s.value == 0) {
        cx.error_at(slot.value_span, "`max_length` must be at least 1");
    }
}

/// `sql_type` sets the whole type; a length beside it would be silently ignored.
fn check_max_length_without_sql_type(cx: &Ctxt, field: &Field) {
    if let (Some(key), true) = (field.attrs.max_length.key(), field.attrs.sql_type.is_set()) {
        cx.error_at(
            key,
            "`max_length` cannot be combined with `sql_type`; write the length in the SQL type, e.g. `sql_type = \"varchar(255)\"`",
        );
    }
}

/// Referential actions belong to a foreign key; without one they would be ignored.
fn check_actions_need_reference(cx: &Ctxt, field: &Field) {
    if field.attrs.references.is_set() {
        return;
    }
    for (name, key) in [
        ("on_delete", field.attrs.on_delete.key()),
        ("on_update", field.attrs.on_update.key()),
    ] {
        if let Some(key) = key {
            cx.error_at(
                key,
                format!(
                    "`{name}` needs a foreign key: add `references = OtherTable` to this field"
                ),
            );
        }
    }
}

/// `gt` and `ge` together (or `lt` and `le`) leave the reader guessing which one wins.
fn check_one_bound_per_side(cx: &Ctxt, field: &Field) {
    let a = &field.attrs;
    if let (true, Some(key)) = (a.gt.is_set(), a.ge.key()) {
        cx.error_at(
            key,
            "`ge` cannot be combined with `gt`: give one lower bound",
        );
    }
    if let (true, Some(key)) = (a.lt.is_set(), a.le.key()) {
        cx.error_at(
            key,
            "`le` cannot be combined with `lt`: give one upper bound",
        );
    }
}

/// Bounds that no value satisfies would make every INSERT fail.
fn check_bounds_leave_room(cx: &Ctxt, field: &Field) {
    let a = &field.attrs;
    let lower =
        a.gt.slot()
            .map(|s| (s, true))
            .or_else(|| a.ge.slot().map(|s| (s, false)));
    let upper =
        a.lt.slot()
            .map(|s| (s, true))
            .or_else(|| a.le.slot().map(|s| (s, false)));
    if let (Some((low, low_strict)), Some((high, high_strict))) = (lower, upper) {
        let empty = if low_strict || high_strict {
            low.value.value >= high.value.value
        } else {
            low.value.value > high.value.value
        };
        if empty {
            cx.error_at(
                high.value_span,
                format!("no value satisfies these bounds: the upper bound {} is not above the lower bound {}", high.value.sql, low.value.sql),
            );
        }
    }
}

/// A primary key column is NOT NULL; an `Option` field says it may be NULL.
fn check_primary_key_not_option(cx: &Ctxt, field: &Field) {
    if let (Some(key), true) = (field.attrs.primary_key.key(), field.is_option()) {
        cx.error_at(
            key,
            "a primary key column cannot be NULL, but this field is an `Option`; use the inner type",
        );
    }
}

/// PostgreSQL rejects a column that has both an identity and a default.
fn check_identity_without_default(cx: &Ctxt, field: &Field) {
    if let (true, Some(key)) = (field.attrs.identity.is_set(), field.attrs.default.key()) {
        cx.error_at(
            key,
            "`default` cannot be combined with `identity`: the identity generates the value",
        );
    }
}

/// A column is numbered one way: a serial's sequence or an identity.
fn check_one_numbering(cx: &Ctxt, field: &Field) {
    let a = &field.attrs;
    let serial_type = a.sql_type.get().is_some_and(|t| t.serial);
    if let (true, Some(key)) = (a.identity.is_set(), a.serial.key()) {
        cx.error_at(
            key,
            "`serial` cannot be combined with `identity`: a column is numbered by one sequence; prefer `identity` for new tables",
        );
    }
    if let (true, Some(slot)) = (
        a.identity.is_set() || a.serial.is_set(),
        a.sql_type.slot().filter(|_| serial_type),
    ) {
        cx.error_at(
            slot.value_span,
            "this `sql_type` is already a serial; drop `serial`/`identity` or give an integer type",
        );
    }
    if let (true, Some(key)) = (a.serial.is_set() || serial_type, a.default.key()) {
        cx.error_at(
            key,
            "`default` cannot be combined with a serial column: its sequence gives the default",
        );
    }
}

/// A generated column computes its value: no default, identity or serial beside it.
fn check_generated_alone(cx: &Ctxt, field: &Field) {
    let a = &field.attrs;
    if !a.generated.is_set() {
        return;
    }
    for (name, key) in [
        ("default", a.default.key()),
        ("identity", a.identity.key()),
        ("serial", a.serial.key()),
    ] {
        if let Some(key) = key {
            cx.error_at(
                key,
                format!(
                    "`{name}` cannot be combined with `generated`: the expression gives the value"
                ),
            );
        }
    }
}

/// `precision`/`scale`: the scale belongs to a precision and fits in it;
/// with `sql_type` they belong in the type's text.
fn check_precision(cx: &Ctxt, field: &Field) {
    let a = &field.attrs;
    if a.sql_type.is_set() {
        for (name, key) in [("precision", a.precision.key()), ("scale", a.scale.key())] {
            if let Some(key) = key {
                cx.error_at(
                    key,
                    format!("`{name}` cannot be combined with `sql_type`; write it in the SQL type, e.g. `sql_type = \"numeric(10,2)\"`"),
                );
            }
        }
        return;
    }
    match (a.precision.slot(), a.scale.slot()) {
        (None, Some(scale)) => cx.error_at(
            scale.key,
            "`scale` needs a `precision`: `precision = 10, scale = 2` is numeric(10,2)",
        ),
        (Some(p), Some(s)) if s.value > p.value => cx.error_at(
            s.value_span,
            format!("the scale {} is larger than the precision {}; a numeric's scale is at most its precision", s.value, p.value),
        ),
        (Some(p), _) if p.value > 1000 => cx.error_at(
            p.value_span,
            "a precision is at most 1000 (numeric) or 6 (time types)",
        ),
        _ => {}
    }
}

/// `fk_name`, `deferrable` and `match` describe a foreign key.
fn check_foreign_key_options_need_reference(cx: &Ctxt, field: &Field) {
    let a = &field.attrs;
    if a.references.is_set() {
        return;
    }
    for (name, key) in [
        ("fk_name", a.fk_name.key()),
        ("deferrable", a.deferrable.key()),
        ("match", a.match_full.key()),
    ] {
        if let Some(key) = key {
            cx.error_at(
                key,
                format!(
                    "`{name}` needs a foreign key: add `references = OtherTable` to this field"
                ),
            );
        }
    }
}

/// `nulls_not_distinct` only changes a unique index.
fn check_field_index_options(cx: &Ctxt, field: &Field) {
    if let Some(index) = field.attrs.index.get() {
        if let (false, Some(span)) = (index.unique, index.nulls_not_distinct) {
            cx.error_at(
                span,
                "`nulls_not_distinct` applies to a unique index: add `unique`",
            );
        }
        for (name, span) in &index.include {
            if field.column_name() == *name || field.ident == name {
                cx.error_at(*span, "an index does not INCLUDE its own key column");
            }
        }
    }
}

/// The primary key is declared in one place: on its fields, or once on the
/// struct with `primary_key(a, b)` (a composite key), never both.
fn check_primary_key_declared_once(cx: &Ctxt, entity: &Entity) {
    let mut struct_level = entity
        .attrs
        .composites
        .iter()
        .filter(|c| c.kind == CompositeKind::PrimaryKey);
    if struct_level.next().is_none() {
        return;
    }
    for again in struct_level {
        cx.error_at(again.key, "duplicate forge attribute `primary_key`: list every key column in one `primary_key(...)`");
    }
    for field in &entity.fields {
        if let Some(key) = field.attrs.primary_key.key() {
            cx.error_at(
                key,
                "the primary key is already declared on the struct with `primary_key(...)`; list this column there instead",
            );
        }
    }
}

/// Two fields mapped to one column name would collide in the table.
fn check_column_names_unique(cx: &Ctxt, entity: &Entity) {
    let mut seen: BTreeMap<String, &Field> = BTreeMap::new();
    for field in entity.columns() {
        let name = field.column_name();
        if name.len() > MAX_IDENTIFIER_BYTES {
            cx.error_at(
                column_span(field),
                format!("column name `{name}` is longer than PostgreSQL's 63-byte limit"),
            );
        }
        if let Some(first) = seen.get(&name) {
            cx.error_at(
                column_span(field),
                format!(
                    "column `{name}` is already defined by field `{}`",
                    first.ident
                ),
            );
        } else {
            seen.insert(name, field);
        }
    }
}

fn column_span(field: &Field) -> proc_macro2::Span {
    field
        .attrs
        .column
        .slot()
        .map(|s| s.value_span)
        .unwrap_or_else(|| field.ident.span())
}

/// Struct-level `index(...)`, `unique(...)` and `primary_key(...)` must name
/// columns this struct has. Columns of flattened fields are unknown here, so
/// with a `flatten` field an unknown index name is left to the registry's
/// check at startup; a composite primary key must name own fields.
fn check_composites(cx: &Ctxt, entity: &Entity) {
    for composite in &entity.attrs.composites {
        let keyword = composite.kind.keyword();
        let keys = if composite.kind == CompositeKind::Index {
            composite.options.keys.len()
        } else {
            composite.columns.len()
        };
        if keys == 0 && !composite.options.rejected_keys {
            cx.error_at(
                composite.key,
                format!("`{keyword}(...)` needs at least one column"),
            );
        }
        if let (false, Some(span)) = (
            composite.options.unique || composite.kind == CompositeKind::Unique,
            composite.options.nulls_not_distinct,
        ) {
            cx.error_at(
                span,
                "`nulls_not_distinct` applies to a unique index: add `unique`",
            );
        }
        for item in &composite.options.keys {
            if let crate::attr::IndexItem::Sql(spec, span) = item {
                if let crate::index_key::Target::Column(column) = &spec.target {
                    let known = entity.columns().any(|f| f.column_name() == *column);
                    if !known && !entity.has_flatten() {
                        cx.error_at(
                            *span,
                            format!("index key names column `{column}`, which this struct does not have; write an expression in parentheses"),
                        );
                    }
                }
            }
        }
        for (name, span) in &composite.options.include {
            if matches!(resolve_column(entity, name), Resolved::Unknown) && !entity.has_flatten() {
                cx.error_at(*span, format!("`include(...)` names `{name}`, but this struct has no such field or column"));
            }
        }
        let mut listed: Vec<String> = Vec::new();
        for (name, span) in &composite.columns {
            let resolved = match resolve_column(entity, name) {
                Resolved::Column(column) => column,
                Resolved::NotAColumn(why) => {
                    cx.error_at(
                        *span,
                        format!("`{keyword}(...)` names field `{name}`, which {why}"),
                    );
                    continue;
                }
                Resolved::Unknown
                    if entity.has_flatten() && composite.kind != CompositeKind::PrimaryKey =>
                {
                    name.clone()
                }
                Resolved::Unknown => {
                    cx.error_at(*span, format!("`{keyword}(...)` names `{name}`, but this struct has no such field or column"));
                    continue;
                }
            };
            if listed.contains(&resolved) {
                cx.error_at(
                    *span,
                    format!("column `{resolved}` is listed twice in `{keyword}(...)`"),
                );
            }
            listed.push(resolved);
        }
    }
}

pub enum Resolved {
    Column(String),
    NotAColumn(&'static str),
    Unknown,
}

/// A name in a composite list: a field name or a column name of an own column.
pub fn resolve_column(entity: &Entity, name: &str) -> Resolved {
    if let Some(field) = entity
        .fields
        .iter()
        .find(|f| syn::ext::IdentExt::unraw(f.ident) == name)
    {
        if field.attrs.skip.is_set() {
            return Resolved::NotAColumn("is skipped and so is not a column");
        }
        if field.attrs.flatten.is_set() {
            return Resolved::NotAColumn("is a flattened group; name its columns instead");
        }
        return Resolved::Column(field.column_name());
    }
    match entity.columns().find(|f| f.column_name() == name) {
        Some(field) => Resolved::Column(field.column_name()),
        None => Resolved::Unknown,
    }
}

/// PostgreSQL accepts an enum type with no labels, but no value could be stored.
fn check_enum_has_variants(cx: &Ctxt, def: &PgEnumDef) {
    if def.variants.is_empty() {
        cx.error_at(
            def.ident.span(),
            "`PgEnum` needs at least one variant: an enum type without labels can hold no value",
        );
    }
}

/// Labels identify values in the database: each must be unique, non-empty and
/// within PostgreSQL's 63-byte limit.
fn check_enum_labels(cx: &Ctxt, def: &PgEnumDef) {
    let mut seen: BTreeMap<String, &syn::Ident> = BTreeMap::new();
    for variant in &def.variants {
        let label = variant.label();
        if label.is_empty() {
            cx.error_at(variant.label_span, "an enum label cannot be empty");
        } else if label.len() > MAX_IDENTIFIER_BYTES {
            cx.error_at(
                variant.label_span,
                format!("enum label `{label}` is longer than PostgreSQL's 63-byte limit"),
            );
        }
        if let Some(first) = seen.get(&label) {
            cx.error_at(
                variant.label_span,
                format!("label \"{label}\" is already used by variant `{first}`; give one of them `#[forge(rename = \"...\")]`"),
            );
        } else {
            seen.insert(label, variant.ident);
        }
    }
    if let Some(slot) = def.attrs.name.slot().filter(|s| s.value.trim().is_empty()) {
        cx.error_at(slot.value_span, "`name` cannot be empty");
    }
}

/// A label's earlier name is renamed in place; it cannot be a label in use
/// (that would rename one variant into another) or the label itself.
fn check_enum_renames(cx: &Ctxt, def: &PgEnumDef) {
    let labels: Vec<String> = def.variants.iter().map(|v| v.label()).collect();
    let mut seen: Vec<&str> = Vec::new();
    for variant in &def.variants {
        for slot in &variant.attrs.renamed_from {
            let old = slot.value.as_str();
            if old.is_empty() {
                cx.error_at(slot.value_span, "`renamed_from` cannot be empty");
            } else if labels.iter().any(|l| l == old) {
                cx.error_at(
                    slot.value_span,
                    format!("\"{old}\" is a label of this enum now; `renamed_from` names a label the enum no longer has"),
                );
            } else if seen.contains(&old) {
                cx.error_at(
                    slot.value_span,
                    format!("\"{old}\" is renamed twice; one earlier label becomes one variant"),
                );
            }
            seen.push(old);
        }
    }
}
