//! The `#[forge(...)]` attributes, parsed into typed slots. Each slot remembers
//! where it was set, so later checks can point at the offending key or value.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Expr, Lit, Token, UnOp};

use crate::ctxt::Ctxt;

/// A value set by an attribute, with the spans of its key and its value.
#[derive(Clone)]
pub struct Slot<T> {
    pub key: Span,
    pub value_span: Span,
    pub value: T,
}

/// An attribute that may be given at most once.
pub struct Attr<T> {
    name: &'static str,
    slot: Option<Slot<T>>,
}

impl<T> Attr<T> {
    fn none(name: &'static str) -> Self {
        Attr { name, slot: None }
    }

    /// Keeps the first value; a second one is an error on the second key.
    fn set(&mut self, cx: &Ctxt, key: Span, value_span: Span, value: T) {
        if self.slot.is_some() {
            cx.error_at(key, format!("duplicate forge attribute `{}`", self.name));
        } else {
            self.slot = Some(Slot {
                key,
                value_span,
                value,
            });
        }
    }

    pub fn get(&self) -> Option<&T> {
        self.slot.as_ref().map(|s| &s.value)
    }

    pub fn slot(&self) -> Option<&Slot<T>> {
        self.slot.as_ref()
    }

    pub fn is_set(&self) -> bool {
        self.slot.is_some()
    }

    /// The span of the key, for errors about the attribute as a whole.
    pub fn key(&self) -> Option<Span> {
        self.slot.as_ref().map(|s| s.key)
    }
}

/// A number literal as written (`0`, `-1`, `9.99`), for CHECK bounds.
#[derive(Clone)]
pub struct Number {
    pub sql: String,
    pub value: f64,
}

/// `on_delete` / `on_update`: the variant name of `forge::model::ReferentialAction`.
#[derive(Clone, Copy)]
pub enum ReferentialAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl ReferentialAction {
    /// The spellings `forge::model::ReferentialAction::parse` accepts: case, `_`, `-` and spaces are free.
    fn parse(text: &str) -> Option<Self> {
        match words(text).as_str() {
            "no action" => Some(ReferentialAction::NoAction),
            "restrict" => Some(ReferentialAction::Restrict),
            "cascade" => Some(ReferentialAction::Cascade),
            "set null" => Some(ReferentialAction::SetNull),
            "set default" => Some(ReferentialAction::SetDefault),
            _ => None,
        }
    }

    pub fn variant(self) -> &'static str {
        match self {
            ReferentialAction::NoAction => "NoAction",
            ReferentialAction::Restrict => "Restrict",
            ReferentialAction::Cascade => "Cascade",
            ReferentialAction::SetNull => "SetNull",
            ReferentialAction::SetDefault => "SetDefault",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum IdentityKind {
    Always,
    ByDefault,
}

/// `identity`, `identity = "always"` or `identity(always, start = 100, ...)`.
#[derive(Clone)]
pub struct Identity {
    pub kind: IdentityKind,
    pub start: Option<i64>,
    pub increment: Option<i64>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub cache: Option<i64>,
    pub cycle: bool,
}

impl Identity {
    fn of(kind: IdentityKind) -> Self {
        Identity {
            kind,
            start: None,
            increment: None,
            min_value: None,
            max_value: None,
            cache: None,
            cycle: false,
        }
    }

    pub fn has_options(&self) -> bool {
        self.start.is_some()
            || self.increment.is_some()
            || self.min_value.is_some()
            || self.max_value.is_some()
            || self.cache.is_some()
            || self.cycle
    }
}

/// `deferrable` or `deferrable = "initially deferred"`.
#[derive(Clone, Copy)]
pub enum Deferrable {
    InitiallyImmediate,
    InitiallyDeferred,
}

/// An index key: a field (resolved to its column by the derive) or SQL.
#[derive(Clone)]
pub enum IndexItem {
    Field(String, Span),
    Sql(crate::index_key::KeySpec, Span),
}

/// `index(...)` on a field or on the struct.
#[derive(Clone, Default)]
pub struct IndexOptions {
    /// Keys (struct level only).
    pub keys: Vec<IndexItem>,
    /// A key was given but could not be read (already reported).
    pub rejected_keys: bool,
    pub name: Option<String>,
    pub unique: bool,
    pub nulls_not_distinct: Option<Span>,
    pub include: Vec<(String, Span)>,
    pub predicate: Option<String>,
    pub method: Option<String>,
    /// Field level only: the key's own order and operator class.
    pub descending: bool,
    pub nulls_first: Option<bool>,
    pub opclass: Option<String>,
    /// `unique(...)` only: `deferrable` / `deferrable = "initially deferred"`.
    pub deferrable: Option<Deferrable>,
}

/// `unique` or `unique(name = "...", nulls_not_distinct, include(...),
/// deferrable)` on a field.
#[derive(Clone, Default)]
pub struct UniqueOptions {
    pub name: Option<String>,
    pub nulls_not_distinct: bool,
    pub include: Vec<String>,
    pub deferrable: Option<Deferrable>,
}

/// `check(name = "...", expr = "...")`.
#[derive(Clone)]
pub struct NamedCheck {
    pub name: Option<String>,
    pub expression: String,
}

/// `references = UserTable` or `references = UserTable(column)`.
#[derive(Clone)]
pub struct ReferenceTarget {
    pub path: syn::Path,
    pub column: Option<String>,
}

/// A struct-level `index(a, b)`, `unique(a, b)` or `primary_key(a, b)`.
pub struct Composite {
    pub kind: CompositeKind,
    pub key: Span,
    pub name: Option<String>,
    /// Field or column names, each with its span (for `index`, the plain
    /// field keys; SQL keys are in `options.keys`).
    pub columns: Vec<(String, Span)>,
    /// `index(...)` and `unique(...)` options; `options.keys` keeps every key in order.
    pub options: IndexOptions,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CompositeKind {
    Index,
    Unique,
    PrimaryKey,
}

impl CompositeKind {
    pub fn keyword(self) -> &'static str {
        match self {
            CompositeKind::Index => "index",
            CompositeKind::Unique => "unique",
            CompositeKind::PrimaryKey => "primary_key",
        }
    }
}

const CONTAINER_KEYS: &[&str] = &[
    "table",
    "schema",
    "partition_by",
    "renamed_from",
    "index",
    "unique",
    "primary_key",
    "check",
];
const FIELD_KEYS: &[&str] = &[
    "column",
    "primary_key",
    "index",
    "unique",
    "max_length",
    "gt",
    "ge",
    "lt",
    "le",
    "check",
    "default",
    "references",
    "on_delete",
    "on_update",
    "sql_type",
    "renamed_from",
    "flatten",
    "skip",
    "identity",
    "serial",
    "precision",
    "scale",
    "collation",
    "generated",
    "fk_name",
    "deferrable",
    "match",
];
const ENUM_KEYS: &[&str] = &["name"];
const VARIANT_KEYS: &[&str] = &["rename", "renamed_from"];

/// `#[forge(...)]` on an entity struct.
pub struct ContainerAttrs {
    pub table: Attr<String>,
    pub schema: Attr<String>,
    /// `partition_by = "RANGE (happened_on)"`: a partitioned table.
    pub partition_by: Attr<String>,
    pub renamed_from: Vec<Slot<String>>,
    pub composites: Vec<Composite>,
    pub checks: Vec<Slot<NamedCheck>>,
}

impl ContainerAttrs {
    pub fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = ContainerAttrs {
            table: Attr::none("table"),
            schema: Attr::none("schema"),
            partition_by: Attr::none("partition_by"),
            renamed_from: Vec::new(),
            composites: Vec::new(),
            checks: Vec::new(),
        };
        for_each_forge_meta(cx, attrs, |meta| {
            let key = meta.path.span();
            let Some(name) = meta.path.get_ident().map(|i| i.to_string()) else {
                return unknown_key(cx, meta, "struct", CONTAINER_KEYS, FIELD_KEYS);
            };
            match name.as_str() {
                "table" => set_string(cx, meta, &mut out.table),
                "schema" => set_string(cx, meta, &mut out.schema),
                "partition_by" => set_string(cx, meta, &mut out.partition_by),
                "renamed_from" => {
                    if let Some((span, value)) = string_value(cx, meta, "renamed_from")? {
                        out.renamed_from.push(Slot {
                            key,
                            value_span: span,
                            value,
                        });
                    }
                    Ok(())
                }
                "index" => composite(cx, meta, CompositeKind::Index, &mut out.composites),
                "unique" => composite(cx, meta, CompositeKind::Unique, &mut out.composites),
                "primary_key" => {
                    composite(cx, meta, CompositeKind::PrimaryKey, &mut out.composites)
                }
                "check" => {
                    if meta.input.peek(syn::token::Paren) {
                        if let Some(check) = named_check(cx, meta)? {
                            out.checks.push(Slot {
                                key,
                                value_span: key,
                                value: check,
                            });
                        }
                    } else {
                        cx.error_at(
                            key,
                            "a struct-level CHECK is written `check(name = \"...\", expr = \"...\")`",
                        );
                        skip_value(meta)?;
                    }
                    Ok(())
                }
                _ => unknown_key(cx, meta, "struct", CONTAINER_KEYS, FIELD_KEYS),
            }
        });
        out
    }
}

/// `#[forge(...)]` on a field of an entity struct.
pub struct FieldAttrs {
    pub column: Attr<String>,
    pub primary_key: Attr<()>,
    pub index: Attr<IndexOptions>,
    pub unique: Attr<UniqueOptions>,
    pub max_length: Attr<u32>,
    pub gt: Attr<Number>,
    pub ge: Attr<Number>,
    pub lt: Attr<Number>,
    pub le: Attr<Number>,
    pub check: Attr<String>,
    pub named_checks: Vec<Slot<NamedCheck>>,
    pub default: Attr<String>,
    pub references: Attr<ReferenceTarget>,
    pub on_delete: Attr<ReferentialAction>,
    pub on_update: Attr<ReferentialAction>,
    pub fk_name: Attr<String>,
    pub deferrable: Attr<Deferrable>,
    /// `match = "full"`: true for MATCH FULL.
    pub match_full: Attr<bool>,
    pub sql_type: Attr<crate::sql_type::Parsed>,
    pub renamed_from: Vec<Slot<String>>,
    pub flatten: Attr<()>,
    pub skip: Attr<()>,
    pub identity: Attr<Identity>,
    pub serial: Attr<()>,
    pub precision: Attr<u32>,
    pub scale: Attr<u32>,
    pub collation: Attr<String>,
    pub generated: Attr<String>,
    /// Every key that was given, in order: what `flatten`/`skip` conflict with.
    pub given: Vec<(&'static str, Span)>,
}

impl FieldAttrs {
    pub fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = FieldAttrs {
            column: Attr::none("column"),
            primary_key: Attr::none("primary_key"),
            index: Attr::none("index"),
            unique: Attr::none("unique"),
            max_length: Attr::none("max_length"),
            gt: Attr::none("gt"),
            ge: Attr::none("ge"),
            lt: Attr::none("lt"),
            le: Attr::none("le"),
            check: Attr::none("check"),
            named_checks: Vec::new(),
            default: Attr::none("default"),
            references: Attr::none("references"),
            on_delete: Attr::none("on_delete"),
            on_update: Attr::none("on_update"),
            fk_name: Attr::none("fk_name"),
            deferrable: Attr::none("deferrable"),
            match_full: Attr::none("match"),
            sql_type: Attr::none("sql_type"),
            renamed_from: Vec::new(),
            flatten: Attr::none("flatten"),
            skip: Attr::none("skip"),
            identity: Attr::none("identity"),
            serial: Attr::none("serial"),
            precision: Attr::none("precision"),
            scale: Attr::none("scale"),
            collation: Attr::none("collation"),
            generated: Attr::none("generated"),
            given: Vec::new(),
        };
        for_each_forge_meta(cx, attrs, |meta| {
            let key = meta.path.span();
            let known = meta
                .path
                .get_ident()
                .and_then(|i| FIELD_KEYS.iter().find(|k| i == *k).copied());
            let Some(name) = known else {
                return unknown_key(cx, meta, "field", FIELD_KEYS, CONTAINER_KEYS);
            };
            out.given.push((name, key));
            match name {
                "column" => set_string(cx, meta, &mut out.column),
                "primary_key" => set_flag(cx, meta, &mut out.primary_key),
                "index" => {
                    if meta.input.peek(syn::token::Paren) {
                        let options = index_options(cx, meta, Place::Field)?;
                        out.index.set(cx, key, key, options);
                        Ok(())
                    } else {
                        set_flag_with(cx, meta, &mut out.index, IndexOptions::default())
                    }
                }
                "unique" => {
                    if meta.input.peek(syn::token::Paren) {
                        let options = index_options(cx, meta, Place::FieldUnique)?;
                        let unique = UniqueOptions {
                            name: options.name,
                            nulls_not_distinct: options.nulls_not_distinct.is_some(),
                            include: options.include.into_iter().map(|(n, _)| n).collect(),
                            deferrable: options.deferrable,
                        };
                        out.unique.set(cx, key, key, unique);
                        Ok(())
                    } else {
                        set_flag_with(cx, meta, &mut out.unique, UniqueOptions::default())
                    }
                }
                "max_length" => set_u32(cx, meta, &mut out.max_length, "255"),
                "precision" => set_u32(cx, meta, &mut out.precision, "10"),
                "scale" => set_u32(cx, meta, &mut out.scale, "2"),
                "collation" => set_string(cx, meta, &mut out.collation),
                "generated" => set_string(cx, meta, &mut out.generated),
                "serial" => set_flag(cx, meta, &mut out.serial),
                "fk_name" => set_string(cx, meta, &mut out.fk_name),
                "deferrable" => {
                    if !meta.input.peek(Token![=]) {
                        out.deferrable
                            .set(cx, key, key, Deferrable::InitiallyImmediate);
                        return Ok(());
                    }
                    if let Some((span, text)) = string_value(cx, meta, "deferrable")? {
                        match words(&text).as_str() {
                            "initially immediate" => out.deferrable.set(cx, key, span, Deferrable::InitiallyImmediate),
                            "initially deferred" => out.deferrable.set(cx, key, span, Deferrable::InitiallyDeferred),
                            _ => cx.error_at(
                                span,
                                format!("unknown deferral \"{text}\"; expected \"initially immediate\" or \"initially deferred\" (or a bare `deferrable`)"),
                            ),
                        }
                    }
                    Ok(())
                }
                "match" => {
                    if let Some((span, text)) = string_value(cx, meta, "match")? {
                        match words(&text).as_str() {
                            "full" => out.match_full.set(cx, key, span, true),
                            "simple" => out.match_full.set(cx, key, span, false),
                            "partial" => cx.error_at(span, "PostgreSQL does not implement MATCH PARTIAL; use \"full\" or \"simple\""),
                            _ => cx.error_at(span, format!("unknown match type \"{text}\"; expected \"full\" or \"simple\"")),
                        }
                    }
                    Ok(())
                }
                "gt" => set_number(cx, meta, &mut out.gt, "gt"),
                "ge" => set_number(cx, meta, &mut out.ge, "ge"),
                "lt" => set_number(cx, meta, &mut out.lt, "lt"),
                "le" => set_number(cx, meta, &mut out.le, "le"),
                "check" => {
                    if meta.input.peek(syn::token::Paren) {
                        if let Some(check) = named_check(cx, meta)? {
                            out.named_checks.push(Slot {
                                key,
                                value_span: key,
                                value: check,
                            });
                        }
                        Ok(())
                    } else {
                        set_string(cx, meta, &mut out.check)
                    }
                }
                "default" => set_string(cx, meta, &mut out.default),
                "references" => {
                    if let Some(expr) = required_value(cx, meta, "references", "UserTable")? {
                        if let Some((span, target)) = reference_target(cx, &expr) {
                            out.references.set(cx, key, span, target);
                        }
                    }
                    Ok(())
                }
                "on_delete" => set_action(cx, meta, &mut out.on_delete, "on_delete"),
                "on_update" => set_action(cx, meta, &mut out.on_update, "on_update"),
                "sql_type" => {
                    if let Some((span, text)) = string_value(cx, meta, "sql_type")? {
                        match crate::sql_type::parse(&text) {
                            Ok(parsed) => out.sql_type.set(cx, key, span, parsed),
                            Err(problem) => cx.error_at(span, problem),
                        }
                    }
                    Ok(())
                }
                "renamed_from" => {
                    if let Some((span, value)) = string_value(cx, meta, "renamed_from")? {
                        out.renamed_from.push(Slot {
                            key,
                            value_span: span,
                            value,
                        });
                    }
                    Ok(())
                }
                "flatten" => set_flag(cx, meta, &mut out.flatten),
                "skip" => set_flag(cx, meta, &mut out.skip),
                "identity" => {
                    if meta.input.peek(syn::token::Paren) {
                        let identity = identity_options(cx, meta)?;
                        out.identity.set(cx, key, key, identity);
                        return Ok(());
                    }
                    if !meta.input.peek(Token![=]) {
                        out.identity
                            .set(cx, key, key, Identity::of(IdentityKind::ByDefault));
                        return Ok(());
                    }
                    if let Some((span, text)) = string_value(cx, meta, "identity")? {
                        match identity_kind(&text) {
                            Some(kind) => out.identity.set(cx, key, span, Identity::of(kind)),
                            None => cx.error_at(
                                span,
                                format!("unknown identity kind \"{text}\"; expected \"always\" or \"by_default\""),
                            ),
                        }
                    }
                    Ok(())
                }
                _ => unknown_key(cx, meta, "field", FIELD_KEYS, CONTAINER_KEYS),
            }
        });
        out
    }
}

/// `#[forge(...)]` on a `PgEnum` enum.
pub struct EnumAttrs {
    pub name: Attr<String>,
}

impl EnumAttrs {
    pub fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = EnumAttrs {
            name: Attr::none("name"),
        };
        for_each_forge_meta(cx, attrs, |meta| {
            if meta.path.is_ident("name") {
                set_string(cx, meta, &mut out.name)
            } else {
                unknown_key(cx, meta, "enum", ENUM_KEYS, VARIANT_KEYS)
            }
        });
        out
    }
}

/// `#[forge(...)]` on a variant of a `PgEnum` enum.
pub struct VariantAttrs {
    pub rename: Attr<String>,
    /// Earlier labels of this variant: renamed in place (`RENAME VALUE`).
    pub renamed_from: Vec<Slot<String>>,
}

impl VariantAttrs {
    pub fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = VariantAttrs {
            rename: Attr::none("rename"),
            renamed_from: Vec::new(),
        };
        for_each_forge_meta(cx, attrs, |meta| {
            if meta.path.is_ident("rename") {
                set_string(cx, meta, &mut out.rename)
            } else if meta.path.is_ident("renamed_from") {
                if let Some((span, value)) = string_value(cx, meta, "renamed_from")? {
                    out.renamed_from.push(Slot {
                        key: meta.path.span(),
                        value_span: span,
                        value,
                    });
                }
                Ok(())
            } else {
                unknown_key(cx, meta, "variant", VARIANT_KEYS, ENUM_KEYS)
            }
        });
        out
    }
}

/// The doc comment of an item: each line trimmed, joined with `\n`; `None` when blank.
pub fn doc_comment(attrs: &[syn::Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
            {
                lines.extend(s.value().lines().map(|l| l.trim().to_string()));
            }
        }
    }
    let text = lines.join("\n");
    let text = text.trim_matches('\n');
    (!text.is_empty()).then(|| text.to_string())
}

/// Runs `f` on every item of every `#[forge(...)]`; a syntax error in one
/// attribute is recorded and the next attribute is still read.
fn for_each_forge_meta(
    cx: &Ctxt,
    attrs: &[syn::Attribute],
    mut f: impl FnMut(&ParseNestedMeta) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("forge")) {
        if let syn::Meta::List(list) = &attr.meta {
            if list.tokens.is_empty() {
                continue;
            }
        }
        if let Err(err) = attr.parse_nested_meta(|meta| f(&meta)) {
            cx.syn_error(err);
        }
    }
}

/// An unknown key is an error on the key; its value is skipped so parsing goes on.
fn unknown_key(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    place: &str,
    expected: &[&str],
    elsewhere: &[&str],
) -> syn::Result<()> {
    let name = meta
        .path
        .get_ident()
        .map(|i| i.to_string())
        .unwrap_or_else(|| path_text(&meta.path));
    let msg = if elsewhere.contains(&name.as_str()) {
        let there = match place {
            "struct" => "a field attribute; put it on the field",
            "field" => "a struct attribute; put it on the struct",
            "enum" => "a variant attribute; put it on the variant",
            _ => "an enum attribute; put it on the enum",
        };
        format!("`{name}` is {there}")
    } else {
        let mut msg = format!("unknown forge {place} attribute `{name}`");
        let similar = |k: &&&str| {
            edit_distance(k, &name) <= 2
                || (name.len() >= 3 && (k.starts_with(name.as_str()) || name.starts_with(**k)))
        };
        if let Some(close) = expected.iter().find(similar) {
            msg.push_str(&format!("; did you mean `{close}`?"));
        } else {
            msg.push_str(&format!("; expected one of: {}", expected.join(", ")));
        }
        msg
    };
    cx.error_at(meta.path.span(), msg);
    skip_value(meta)
}

/// Consumes `= expr` or `(...)` after a key whose value is not used.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The expression after `key =`; a missing `=` is an error on the key.
fn required_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    name: &str,
    example: &str,
) -> syn::Result<Option<Expr>> {
    if !meta.input.peek(Token![=]) {
        cx.error_at(
            meta.path.span(),
            format!("`{name}` needs a value, e.g. `{name} = {example}`"),
        );
        skip_value(meta)?;
        return Ok(None);
    }
    Ok(Some(meta.value()?.parse::<Expr>()?))
}

fn string_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    name: &str,
) -> syn::Result<Option<(Span, String)>> {
    let Some(expr) = required_value(cx, meta, name, "\"...\"")? else {
        return Ok(None);
    };
    match &expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(Some((s.span(), s.value()))),
        other => {
            cx.error_spanned_by(
                other,
                format!("expected a string for `{name}`, e.g. `{name} = \"...\"`"),
            );
            Ok(None)
        }
    }
}

fn set_string(cx: &Ctxt, meta: &ParseNestedMeta, attr: &mut Attr<String>) -> syn::Result<()> {
    if let Some((span, value)) = string_value(cx, meta, attr.name)? {
        attr.set(cx, meta.path.span(), span, value);
    }
    Ok(())
}

/// A flag takes no value: `index`, not `index = true`.
fn set_flag(cx: &Ctxt, meta: &ParseNestedMeta, attr: &mut Attr<()>) -> syn::Result<()> {
    set_flag_with(cx, meta, attr, ())
}

/// A flag whose slot holds `value` when given bare.
fn set_flag_with<T>(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    attr: &mut Attr<T>,
    value: T,
) -> syn::Result<()> {
    let key = meta.path.span();
    let msg = format!(
        "`{0}` is a flag and takes no value: write `#[forge({0})]`",
        attr.name
    );
    if meta.input.peek(Token![=]) {
        let value = meta.value()?.parse::<Expr>()?;
        cx.error_spanned_by(value, msg);
    } else if meta.input.peek(syn::token::Paren) {
        let group = meta.input.parse::<proc_macro2::Group>()?;
        cx.error_at(group.span(), msg);
    } else {
        attr.set(cx, key, key, value);
    }
    Ok(())
}

/// `key = 123` as a u32.
fn set_u32(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    attr: &mut Attr<u32>,
    example: &str,
) -> syn::Result<()> {
    let name = attr.name;
    if let Some(expr) = required_value(cx, meta, name, example)? {
        match &expr {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Int(int), ..
            }) => match int.base10_parse::<u32>() {
                Ok(n) => attr.set(cx, meta.path.span(), int.span(), n),
                Err(_) => cx.error_at(int.span(), format!("`{name}` must fit in a u32")),
            },
            other => cx.error_spanned_by(
                other,
                format!("expected an integer for `{name}`, e.g. `{name} = {example}`"),
            ),
        }
    }
    Ok(())
}

/// Lowercase words separated by one space: `"Initially_Deferred"` -> `"initially deferred"`.
fn words(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn identity_kind(text: &str) -> Option<IdentityKind> {
    match words(text).as_str() {
        "always" => Some(IdentityKind::Always),
        "by default" => Some(IdentityKind::ByDefault),
        _ => None,
    }
}

/// An integer literal, possibly negative, as an i64.
fn integer(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse().ok(),
        Expr::Unary(syn::ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => integer(expr).map(|v: i64| -v),
        Expr::Group(g) => integer(&g.expr),
        _ => None,
    }
}

/// `identity(always, start = 100, increment = 10, min_value = 1,
/// max_value = 1000, cache = 20, cycle)`.
fn identity_options(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Identity> {
    let mut identity = Identity::of(IdentityKind::ByDefault);
    let mut kind_given = false;
    meta.parse_nested_meta(|inner| {
        let name = inner.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
        let span = inner.path.span();
        match name.as_str() {
            "always" | "by_default" if !inner.input.peek(Token![=]) => {
                if kind_given {
                    cx.error_at(span, "the identity kind is given twice");
                }
                kind_given = true;
                identity.kind = if name == "always" {
                    IdentityKind::Always
                } else {
                    IdentityKind::ByDefault
                };
            }
            "cycle" if !inner.input.peek(Token![=]) => identity.cycle = true,
            "start" | "increment" | "min_value" | "max_value" | "cache" => {
                let Some(expr) = required_value(cx, &inner, "start", "1")? else {
                    return Ok(());
                };
                let Some(value) = integer(&expr) else {
                    cx.error_spanned_by(&expr, format!("expected an integer for `{name}`"));
                    return Ok(());
                };
                let slot = match name.as_str() {
                    "start" => &mut identity.start,
                    "increment" => &mut identity.increment,
                    "min_value" => &mut identity.min_value,
                    "max_value" => &mut identity.max_value,
                    _ => &mut identity.cache,
                };
                if slot.replace(value).is_some() {
                    cx.error_at(span, format!("duplicate `{name}` in `identity(...)`"));
                }
                if name == "increment" && value == 0 {
                    cx.error_spanned_by(&expr, "an identity's increment cannot be 0");
                }
                if name == "cache" && value < 1 {
                    cx.error_spanned_by(&expr, "an identity's cache is at least 1");
                }
            }
            _ => {
                cx.error_at(
                    span,
                    format!("unknown identity option `{name}`; expected always, by_default, start, increment, min_value, max_value, cache or cycle"),
                );
                skip_value(&inner)?;
            }
        }
        Ok(())
    })?;
    Ok(identity)
}

/// `check(name = "...", expr = "...")`.
fn named_check(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<NamedCheck>> {
    let mut name = None;
    let mut expression = None;
    let key = meta.path.span();
    meta.parse_nested_meta(|inner| {
        let option = inner
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        match option.as_str() {
            "name" => name = string_value(cx, &inner, "name")?.map(|(_, v)| v),
            "expr" => expression = string_value(cx, &inner, "expr")?,
            _ => {
                cx.error_at(
                    inner.path.span(),
                    format!("unknown check option `{option}`; expected `name` or `expr`"),
                );
                skip_value(&inner)?;
            }
        }
        Ok(())
    })?;
    match expression {
        Some((span, e)) if e.trim().is_empty() => {
            cx.error_at(span, "`expr` cannot be empty");
            Ok(None)
        }
        Some((_, expression)) => {
            if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
                cx.error_at(key, "the check's `name` cannot be empty");
            }
            Ok(Some(NamedCheck { name, expression }))
        }
        None => {
            cx.error_at(
                key,
                "`check(...)` needs its expression: `check(name = \"...\", expr = \"...\")`",
            );
            Ok(None)
        }
    }
}

/// The options of a field's `index(...)`: the index's and its one key's.
const FIELD_INDEX_OPTIONS: &[&str] = &[
    "name",
    "unique",
    "nulls_not_distinct",
    "where",
    "method",
    "include",
    "desc",
    "asc",
    "nulls_first",
    "nulls_last",
    "opclass",
];
/// The options of a struct's `index(...)` (its keys carry their own order).
const STRUCT_INDEX_OPTIONS: &[&str] = &[
    "name",
    "unique",
    "nulls_not_distinct",
    "where",
    "method",
    "include",
];
/// The options of `unique(...)`.
const UNIQUE_OPTIONS: &[&str] = &["name", "nulls_not_distinct", "include", "deferrable"];
/// Every option any `index(...)` or `unique(...)` takes (a word that is none
/// of them is a key).
const ALL_INDEX_OPTIONS: &[&str] = &[
    "name",
    "unique",
    "nulls_not_distinct",
    "where",
    "method",
    "include",
    "desc",
    "asc",
    "nulls_first",
    "nulls_last",
    "opclass",
    "deferrable",
];

/// Where an `index(...)` list is written: what it may hold.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// `index(...)` on a field: options of the field's own key.
    Field,
    /// `unique(...)` on a field: a constraint's name and NULLS NOT DISTINCT.
    FieldUnique,
    /// `index(...)` on the struct: keys and options.
    Struct,
    /// `unique(...)` on the struct: columns, name and NULLS NOT DISTINCT.
    StructUnique,
}

/// The items of `index(...)` or `unique(...)`: keys (fields, or SQL in a
/// string), flags and `key = value` options, each checked against `place`.
fn index_options(cx: &Ctxt, meta: &ParseNestedMeta, place: Place) -> syn::Result<IndexOptions> {
    let content;
    syn::parenthesized!(content in meta.input);
    let mut options = IndexOptions::default();
    let what = match place {
        Place::Field | Place::Struct => "index",
        Place::FieldUnique | Place::StructUnique => "unique",
    };
    while !content.is_empty() {
        if content.peek(syn::LitStr) {
            let lit: syn::LitStr = content.parse()?;
            if place == Place::Struct {
                match crate::index_key::parse(&lit.value()) {
                    Ok(spec) => options.keys.push(IndexItem::Sql(spec, lit.span())),
                    Err(problem) => {
                        options.rejected_keys = true;
                        cx.error_at(
                            lit.span(),
                            format!("index key \"{}\": {problem}", lit.value()),
                        )
                    }
                }
            } else {
                cx.error_at(lit.span(), format!("`{what}(...)` here lists field names, not SQL keys; SQL keys go in a struct-level `index(...)`"));
            }
        } else {
            let ident = syn::Ident::parse_any(&content)?;
            let name = ident.to_string();
            let span = ident.span();
            let flag = !content.peek(Token![=]) && !content.peek(syn::token::Paren);
            let allowed = match place {
                Place::Field => FIELD_INDEX_OPTIONS,
                Place::Struct => STRUCT_INDEX_OPTIONS,
                Place::FieldUnique | Place::StructUnique => UNIQUE_OPTIONS,
            };
            let is_option = ALL_INDEX_OPTIONS.contains(&name.as_str());
            if is_option
                && !(flag
                    && matches!(
                        name.as_str(),
                        "name" | "where" | "method" | "opclass" | "include"
                    ))
            {
                if !allowed.contains(&name.as_str()) {
                    cx.error_at(
                        span,
                        format!("`{name}` does not apply to `{what}(...)` here"),
                    );
                    skip_content_value(&content)?;
                } else {
                    index_option(cx, &content, &name, span, &mut options)?;
                }
            } else if flag && matches!(place, Place::Struct | Place::StructUnique) {
                options.keys.push(IndexItem::Field(
                    syn::ext::IdentExt::unraw(&ident).to_string(),
                    span,
                ));
            } else {
                let expected = match place {
                    Place::Field => "name, unique, nulls_not_distinct, where, method, include(...), desc, nulls_first, nulls_last, opclass",
                    Place::FieldUnique => "name, nulls_not_distinct, include(...), deferrable",
                    Place::Struct => "field names, \"SQL keys\", name, unique, nulls_not_distinct, where, method, include(...)",
                    Place::StructUnique => {
                        "field names, name, nulls_not_distinct, include(...), deferrable"
                    }
                };
                cx.error_at(
                    span,
                    format!("unknown `{what}(...)` option `{name}`; expected {expected}"),
                );
                skip_content_value(&content)?;
            }
        }
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(options)
}

fn skip_content_value(content: syn::parse::ParseStream) -> syn::Result<()> {
    if content.peek(Token![=]) {
        content.parse::<Token![=]>()?;
        content.parse::<Expr>()?;
    } else if content.peek(syn::token::Paren) {
        content.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

fn content_string(
    cx: &Ctxt,
    content: syn::parse::ParseStream,
    name: &str,
    span: Span,
) -> syn::Result<Option<String>> {
    if !content.peek(Token![=]) {
        cx.error_at(
            span,
            format!("`{name}` needs a value, e.g. `{name} = \"...\"`"),
        );
        return Ok(None);
    }
    content.parse::<Token![=]>()?;
    let expr: Expr = content.parse()?;
    match &expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) if !s.value().trim().is_empty() => Ok(Some(s.value())),
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => {
            cx.error_at(s.span(), format!("`{name}` cannot be empty"));
            Ok(None)
        }
        other => {
            cx.error_spanned_by(
                other,
                format!("expected a string for `{name}`, e.g. `{name} = \"...\"`"),
            );
            Ok(None)
        }
    }
}

fn index_option(
    cx: &Ctxt,
    content: syn::parse::ParseStream,
    name: &str,
    span: Span,
    options: &mut IndexOptions,
) -> syn::Result<()> {
    match name {
        "name" => options.name = content_string(cx, content, name, span)?,
        "where" => options.predicate = content_string(cx, content, name, span)?,
        "opclass" => options.opclass = content_string(cx, content, name, span)?,
        "method" => {
            if let Some(method) = content_string(cx, content, name, span)? {
                options.method = Some(method.trim().to_ascii_lowercase());
            }
        }
        "include" => {
            if !content.peek(syn::token::Paren) {
                cx.error_at(span, "`include` lists columns: `include(a, b)`");
                return skip_content_value(content);
            }
            let inner;
            syn::parenthesized!(inner in content);
            let names =
                syn::punctuated::Punctuated::<syn::Ident, Token![,]>::parse_terminated_with(
                    &inner,
                    syn::Ident::parse_any,
                )?;
            for ident in names {
                options
                    .include
                    .push((syn::ext::IdentExt::unraw(&ident).to_string(), ident.span()));
            }
        }
        "deferrable" => {
            options.deferrable = Some(Deferrable::InitiallyImmediate);
            if content.peek(Token![=]) {
                content.parse::<Token![=]>()?;
                let text: syn::LitStr = content.parse()?;
                match text.value().trim().to_ascii_lowercase().as_str() {
                    "initially immediate" => {}
                    "initially deferred" => options.deferrable = Some(Deferrable::InitiallyDeferred),
                    _ => cx.error_at(
                        text.span(),
                        format!("unknown deferral \"{}\"; expected \"initially immediate\" or \"initially deferred\" (or a bare `deferrable`)", text.value()),
                    ),
                }
            }
        }
        "unique" | "desc" | "asc" | "nulls_first" | "nulls_last" | "nulls_not_distinct" => {
            if content.peek(Token![=]) || content.peek(syn::token::Paren) {
                cx.error_at(span, format!("`{name}` is a flag and takes no value"));
                return skip_content_value(content);
            }
            match name {
                "unique" => options.unique = true,
                "desc" => options.descending = true,
                "asc" => options.descending = false,
                "nulls_first" => options.nulls_first = Some(true),
                "nulls_last" => options.nulls_first = Some(false),
                _ => options.nulls_not_distinct = Some(span),
            }
        }
        _ => {}
    }
    Ok(())
}

fn set_number(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    attr: &mut Attr<Number>,
    name: &str,
) -> syn::Result<()> {
    let Some(expr) = required_value(cx, meta, name, "0")? else {
        return Ok(());
    };
    match number(&expr) {
        Some(n) => attr.set(cx, meta.path.span(), expr.span(), n),
        None => cx.error_spanned_by(
            &expr,
            format!("expected a number literal for `{name}`, e.g. `{name} = 0`"),
        ),
    }
    Ok(())
}

/// `0`, `-1`, `9.99`: the literal as SQL spells it (suffixes such as `_i64` dropped).
fn number(expr: &Expr) -> Option<Number> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(i), ..
        }) => Some(Number {
            sql: i.base10_digits().to_string(),
            value: i.base10_digits().parse().ok()?,
        }),
        Expr::Lit(syn::ExprLit {
            lit: Lit::Float(f), ..
        }) => Some(Number {
            sql: f.base10_digits().to_string(),
            value: f.base10_digits().parse().ok()?,
        }),
        Expr::Unary(syn::ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => match &**expr {
            Expr::Lit(_) => number(expr).map(|n| Number {
                sql: format!("-{}", n.sql),
                value: -n.value,
            }),
            _ => None,
        },
        Expr::Group(g) => number(&g.expr),
        _ => None,
    }
}

fn set_action(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    attr: &mut Attr<ReferentialAction>,
    name: &str,
) -> syn::Result<()> {
    if let Some((span, text)) = string_value(cx, meta, name)? {
        match ReferentialAction::parse(&text) {
            Some(action) => attr.set(cx, meta.path.span(), span, action),
            None => cx.error_at(
                span,
                format!(
                    "unknown referential action \"{text}\" for `{name}`; expected one of \"cascade\", \"set null\", \"set default\", \"restrict\", \"no action\""
                ),
            ),
        }
    }
    Ok(())
}

/// `UserTable`, `crate::users::UserTable` or `UserTable(column)`.
fn reference_target(cx: &Ctxt, expr: &Expr) -> Option<(Span, ReferenceTarget)> {
    const HINT: &str = "expected the referenced entity type for `references`, e.g. `references = UserTable` or `references = UserTable(id)`";
    match expr {
        Expr::Path(p) if p.qself.is_none() => Some((
            p.path.span(),
            ReferenceTarget {
                path: p.path.clone(),
                column: None,
            },
        )),
        Expr::Call(call) => {
            let Expr::Path(p) = &*call.func else {
                cx.error_spanned_by(expr, HINT);
                return None;
            };
            let mut args = call.args.iter();
            let column = match (args.next(), args.next()) {
                (Some(Expr::Path(c)), None) if c.path.get_ident().is_some() => c
                    .path
                    .get_ident()
                    .map(|i| syn::ext::IdentExt::unraw(i).to_string()),
                (
                    Some(Expr::Lit(syn::ExprLit {
                        lit: Lit::Str(s), ..
                    })),
                    None,
                ) => Some(s.value()),
                _ => {
                    cx.error_spanned_by(
                        &call.args,
                        "a reference names one target column: `references = UserTable(id)`",
                    );
                    return None;
                }
            };
            Some((
                p.path.span(),
                ReferenceTarget {
                    path: p.path.clone(),
                    column,
                },
            ))
        }
        other => {
            cx.error_spanned_by(other, HINT);
            None
        }
    }
}

/// `index(a, b)`, `unique(a, b, name = "...")`, `primary_key(a, b)` on the struct.
fn composite(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    kind: CompositeKind,
    out: &mut Vec<Composite>,
) -> syn::Result<()> {
    let keyword = kind.keyword();
    if !meta.input.peek(syn::token::Paren) {
        cx.error_at(
            meta.path.span(),
            format!("`{keyword}` on a struct lists its columns: `{keyword}(a, b)`; to mark one column, put `{keyword}` on the field"),
        );
        return skip_value(meta);
    }
    let mut composite = Composite {
        kind,
        key: meta.path.span(),
        name: None,
        columns: Vec::new(),
        options: IndexOptions::default(),
    };
    // `index()` is reported by the checks as an empty list, not as a syntax error.
    let empty = meta
        .input
        .fork()
        .parse::<proc_macro2::Group>()
        .is_ok_and(|g| g.stream().is_empty());
    if empty {
        meta.input.parse::<proc_macro2::Group>()?;
        out.push(composite);
        return Ok(());
    }
    if kind != CompositeKind::PrimaryKey {
        let place = if kind == CompositeKind::Index {
            Place::Struct
        } else {
            Place::StructUnique
        };
        let options = index_options(cx, meta, place)?;
        composite.name = options.name.clone();
        composite.columns = options
            .keys
            .iter()
            .filter_map(|k| match k {
                IndexItem::Field(name, span) => Some((name.clone(), *span)),
                IndexItem::Sql(..) => None,
            })
            .collect();
        composite.options = options;
        out.push(composite);
        return Ok(());
    }
    meta.parse_nested_meta(|inner| {
        let Some(ident) = inner.path.get_ident() else {
            cx.error_spanned_by(&inner.path, "expected a field name");
            return skip_value(&inner);
        };
        if inner.input.peek(Token![=]) {
            if ident == "name" && kind != CompositeKind::PrimaryKey {
                if let Some((span, name)) = string_value(cx, &inner, "name")? {
                    if composite.name.is_some() {
                        cx.error_at(span, format!("duplicate `name` in `{keyword}(...)`"));
                    }
                    composite.name = Some(name);
                }
                return Ok(());
            }
            cx.error_at(
                ident.span(),
                format!("expected a field name in `{keyword}(...)`"),
            );
            return skip_value(&inner);
        }
        if inner.input.peek(syn::token::Paren) {
            cx.error_at(
                ident.span(),
                format!("expected a field name in `{keyword}(...)`"),
            );
            return skip_value(&inner);
        }
        composite
            .columns
            .push((syn::ext::IdentExt::unraw(ident).to_string(), ident.span()));
        Ok(())
    })?;
    out.push(composite);
    Ok(())
}
