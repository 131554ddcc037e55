//! `#[derive(EntityTable)]`: `EntityFields`, `EntityTable` and the registration
//! the registry collects at link time.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use crate::ast::{Entity, Field};
use crate::attr::{
    CompositeKind, Deferrable, IdentityKind, IndexItem, IndexOptions, NamedCheck, ReferentialAction,
};
use crate::case::sql_identifier;
use crate::check::{self, resolve_column, Resolved};
use crate::ctxt::Ctxt;
use crate::fallback;
use crate::index_key::{KeySpec, Target};

pub fn expand(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let entity = Entity::from_ast(&cx, input);
    if let Some(entity) = &entity {
        check::entity(&cx, entity);
    }
    match (entity, cx.into_compile_errors()) {
        (Some(entity), None) => generate(&entity),
        (entity, errors) => {
            let table = entity.as_ref().map(|e| e.table_name()).unwrap_or_default();
            // The key type as far as it is known, so an entity referencing this
            // one reports no mismatch on top of this one's own errors.
            let key = entity
                .as_ref()
                .map(|e| key_type(e, &struct_key(e)))
                .unwrap_or_else(|| quote!(()));
            let stub = fallback::entity(input, &table, key);
            quote! { #errors #stub }
        }
    }
}

/// The columns a struct-level `primary_key(...)` names.
fn struct_key(entity: &Entity) -> Vec<String> {
    entity
        .attrs
        .composites
        .iter()
        .filter(|c| c.kind == CompositeKind::PrimaryKey)
        .flat_map(|c| {
            c.columns
                .iter()
                .filter_map(|(name, _)| column_of(entity, name))
        })
        .collect()
}

fn generate(entity: &Entity) -> TokenStream {
    let ident = entity.ident;
    let table = entity.table_name();
    let rust_name = ident.to_string();
    let struct_key = struct_key(entity);
    let columns = entity
        .fields
        .iter()
        .filter(|f| !f.attrs.skip.is_set())
        .map(|field| {
            if field.attrs.flatten.is_set() {
                let ty = field.ty;
                let group = quote_spanned! {span_of(ty)=>
                    <#ty as ::forge::__private::EntityFields>::columns()
                };
                if struct_key.is_empty() {
                    quote! { columns.extend(#group); }
                } else {
                    // A struct-level `primary_key(...)` is the whole key: it replaces
                    // the key a flattened group (such as `EntityBase`) declares.
                    quote! {
                        columns.extend(#group.into_iter().map(|mut column| {
                            column.primary_key = false;
                            column
                        }));
                    }
                }
            } else {
                let in_struct_key = struct_key.contains(&field.column_name());
                let column = column(entity, field, in_struct_key);
                quote! { columns.push(#column); }
            }
        });
    let schema = option_string(entity.attrs.schema.get().map(String::as_str));
    let schema_const = match entity.attrs.schema.get() {
        Some(s) => quote! { ::core::option::Option::Some(#s) },
        None => quote! { ::core::option::Option::None },
    };
    let comment = option_string(entity.comment.as_deref());
    let partition_by = option_string(entity.attrs.partition_by.get().map(String::as_str));
    let renamed_from = string_vec(entity.attrs.renamed_from.iter().map(|s| s.value.as_str()));
    let indexes = entity
        .attrs
        .composites
        .iter()
        .filter(|c| c.kind == CompositeKind::Index)
        .map(|c| index_definition(entity, &c.options, None));
    let uniques = entity
        .attrs
        .composites
        .iter()
        .filter(|c| c.kind == CompositeKind::Unique)
        .map(|c| {
            let name = option_string(c.name.as_deref());
            let columns: Vec<String> = c
                .columns
                .iter()
                .map(|(name, _)| column_of(entity, name).unwrap_or_else(|| name.clone()))
                .collect();
            let columns = string_vec(columns.iter().map(String::as_str));
            let nulls_not_distinct = c.options.nulls_not_distinct.is_some();
            let include: Vec<String> = c
                .options
                .include
                .iter()
                .map(|(name, _)| column_of(entity, name).unwrap_or_else(|| name.clone()))
                .collect();
            let include = string_vec(include.iter().map(String::as_str));
            let deferrable = deferral(c.options.deferrable);
            quote! {
                ::forge::__private::UniqueDefinition {
                    name: #name,
                    columns: #columns,
                    nulls_not_distinct: #nulls_not_distinct,
                    include: #include,
                    deferrable: ::forge::__private::Deferrable::#deferrable,
                }
            }
        });
    let checks = entity
        .attrs
        .checks
        .iter()
        .map(|c| check_definition(&c.value));
    let key = key_type(entity, &struct_key);

    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            #[automatically_derived]
            impl ::forge::__private::EntityFields for #ident {
                type Key = #key;

                fn columns() -> ::std::vec::Vec<::forge::__private::ColumnDefinition> {
                    let mut columns = ::std::vec::Vec::new();
                    #(#columns)*
                    columns
                }
            }

            #[automatically_derived]
            impl ::forge::__private::EntityTable for #ident {
                const TABLE_NAME: &'static str = #table;
                const SCHEMA: ::core::option::Option<&'static str> = #schema_const;

                fn definition() -> ::forge::__private::EntityDefinition {
                    ::forge::__private::EntityDefinition {
                        table: ::std::string::String::from(#table),
                        schema: #schema,
                        comment: #comment,
                        partition_by: #partition_by,
                        renamed_from: #renamed_from,
                        columns: <Self as ::forge::__private::EntityFields>::columns(),
                        indexes: ::std::vec![#(#indexes),*],
                        uniques: ::std::vec![#(#uniques),*],
                        checks: ::std::vec![#(#checks),*],
                    }
                }
            }

            ::forge::__private::inventory::submit! {
                ::forge::__private::EntityRegistration {
                    rust_name: #rust_name,
                    module_path: ::core::module_path!(),
                    source_file: ::core::file!(),
                    definition: <#ident as ::forge::__private::EntityTable>::definition,
                }
            }
        };
    }
}

/// The Rust type of the primary key: one key field's type, a flattened
/// group's key, or `()` for none or a composite key.
fn key_type(entity: &Entity, struct_key: &[String]) -> TokenStream {
    let own: Vec<&Field> = entity
        .columns()
        .filter(|f| f.attrs.primary_key.is_set() || struct_key.contains(&f.column_name()))
        .collect();
    let flattened: Vec<&Field> = entity
        .fields
        .iter()
        .filter(|f| f.attrs.flatten.is_set())
        .collect();
    match (own.as_slice(), flattened.as_slice()) {
        ([field], _) => {
            let ty = field.ty;
            quote!(#ty)
        }
        ([], [group]) if struct_key.is_empty() => {
            let ty = group.ty;
            // Spanned as the group's `columns()` call, so a type that is no
            // group of columns is reported once.
            quote_spanned!(span_of(ty)=> <#ty as ::forge::__private::EntityFields>::Key)
        }
        _ => quote!(()),
    }
}

/// The column name a composite entry resolves to, when it names an own column.
fn column_of(entity: &Entity, name: &str) -> Option<String> {
    match resolve_column(entity, name) {
        Resolved::Column(column) => Some(column),
        _ => None,
    }
}

/// `IndexKey` tokens for a key spec.
fn key_tokens(spec: &KeySpec) -> TokenStream {
    let target = match &spec.target {
        Target::Column(c) => {
            quote!(::forge::__private::KeyTarget::Column(::std::string::String::from(#c)))
        }
        Target::Expression(e) => {
            quote!(::forge::__private::KeyTarget::Expression(::std::string::String::from(#e)))
        }
    };
    let descending = spec.descending;
    let nulls = match spec.nulls_first {
        Some(true) => quote!(::core::option::Option::Some(
            ::forge::__private::NullsOrder::First
        )),
        Some(false) => quote!(::core::option::Option::Some(
            ::forge::__private::NullsOrder::Last
        )),
        None => quote!(::core::option::Option::None),
    };
    let opclass = option_string(spec.opclass.as_deref());
    let collation = option_string(spec.collation.as_deref());
    quote! {
        ::forge::__private::IndexKey {
            target: #target,
            descending: #descending,
            nulls: #nulls,
            opclass: #opclass,
            collation: #collation,
        }
    }
}

/// An `IndexDefinition`: the struct-level keys, or (`column`) the one column
/// of a field-level index with the field's key options.
fn index_definition(entity: &Entity, options: &IndexOptions, column: Option<&str>) -> TokenStream {
    let keys: Vec<TokenStream> = match column {
        Some(column) => vec![key_tokens(&KeySpec {
            target: Target::Column(column.to_string()),
            descending: options.descending,
            nulls_first: options.nulls_first,
            opclass: options.opclass.clone(),
            collation: None,
        })],
        None => options
            .keys
            .iter()
            .map(|item| match item {
                IndexItem::Field(name, _) => key_tokens(&KeySpec {
                    target: Target::Column(column_of(entity, name).unwrap_or_else(|| name.clone())),
                    descending: false,
                    nulls_first: None,
                    opclass: None,
                    collation: None,
                }),
                IndexItem::Sql(spec, _) => key_tokens(spec),
            })
            .collect(),
    };
    let name = option_string(options.name.as_deref());
    let unique = options.unique;
    let nulls_not_distinct = options.nulls_not_distinct.is_some();
    let include: Vec<String> = options
        .include
        .iter()
        .map(|(name, _)| column_of(entity, name).unwrap_or_else(|| name.clone()))
        .collect();
    let include = string_vec(include.iter().map(String::as_str));
    let predicate = option_string(options.predicate.as_deref());
    let method = option_string(options.method.as_deref());
    quote! {
        ::forge::__private::IndexDefinition {
            name: #name,
            keys: ::std::vec![#(#keys),*],
            unique: #unique,
            nulls_not_distinct: #nulls_not_distinct,
            include: #include,
            predicate: #predicate,
            method: #method,
        }
    }
}

fn check_definition(check: &NamedCheck) -> TokenStream {
    let name = option_string(check.name.as_deref());
    let expression = &check.expression;
    quote! {
        ::forge::__private::CheckDefinition {
            name: #name,
            expression: ::std::string::String::from(#expression),
        }
    }
}

/// A compile-time assertion that `ty` implements the marker trait `bound`
/// (of `forge::__private`), spanned on the attribute that needs it.
fn assert_bound(span: Span, function: &str, bound: &str, ty: &syn::Type) -> TokenStream {
    let function = syn::Ident::new(function, span);
    let bound = syn::Ident::new(bound, span);
    quote_spanned! {span=>
        {
            fn #function<T: ::forge::__private::#bound + ?::core::marker::Sized>() {}
            #function::<#ty>();
        }
    }
}

/// One `ColumnDefinition` expression: the type's definition, then what each
/// attribute adds, each spanned on its attribute so type errors land there.
fn column(entity: &Entity, field: &Field, in_struct_key: bool) -> TokenStream {
    let a = &field.attrs;
    let ty = field.ty;
    let name = field.column_name();
    let mut steps: Vec<TokenStream> = Vec::new();

    let base = match a.sql_type.get() {
        // The escape hatch: the field type need not implement SqlType.
        Some(parsed) => {
            let nullable = field.is_option();
            let column_type = parsed.column_type.tokens();
            let mut base = quote! {
                ::forge::__private::ColumnDefinition::typed(#name, #column_type, #nullable, ::core::option::Option::None)
            };
            if parsed.serial {
                base = quote! {
                    {
                        let mut column = #base;
                        column.identity = ::core::option::Option::Some(::forge::__private::Identity::Serial);
                        column
                    }
                };
            }
            base
        }
        None => quote_spanned! {span_of(ty)=>
            ::forge::__private::ColumnDefinition::of::<#ty>(#name)
        },
    };
    let typed_by_rust = !a.sql_type.is_set();

    if let Some(slot) = a.max_length.slot() {
        let length = slot.value;
        steps.push(assert_bound(
            slot.key,
            "max_length_needs_a_string_column",
            "TextType",
            ty,
        ));
        steps.push(quote! {
            column.column_type = ::forge::__private::ColumnType::Varchar { length: ::core::option::Option::Some(#length) };
        });
    }
    if let Some(slot) = a.precision.slot() {
        let precision = slot.value;
        steps.push(assert_bound(
            slot.key,
            "precision_needs_a_decimal_or_time_column",
            "PrecisionType",
            ty,
        ));
        let scale = match a.scale.slot() {
            Some(scale) => {
                steps.push(assert_bound(
                    scale.key,
                    "scale_needs_a_decimal_column",
                    "NumericType",
                    ty,
                ));
                let s = scale.value;
                quote!(::core::option::Option::Some(#s))
            }
            None => quote!(::core::option::Option::None),
        };
        steps.push(quote! {
            if let ::core::option::Option::Some(precise) = column.column_type.with_precision(#precision, #scale) {
                column.column_type = precise;
            }
        });
    }
    if let Some(slot) = a.collation.slot() {
        if typed_by_rust {
            steps.push(assert_bound(
                slot.key,
                "collation_needs_a_string_column",
                "TextType",
                ty,
            ));
        }
        let collation = &slot.value;
        steps.push(quote! { column.collation = ::core::option::Option::Some(::std::string::String::from(#collation)); });
    }
    if let Some(generated) = a.generated.get() {
        steps.push(quote! { column.generated = ::core::option::Option::Some(::std::string::String::from(#generated)); });
    }
    if a.primary_key.is_set() || in_struct_key {
        steps.push(quote! { column.primary_key = true; });
    }
    if let Some(options) = a.index.get() {
        let index = index_definition(entity, options, Some(&name));
        steps.push(quote! { column.index = ::core::option::Option::Some(#index); });
    }
    if let Some(unique) = a.unique.get() {
        let unique_name = option_string(unique.name.as_deref());
        let nulls_not_distinct = unique.nulls_not_distinct;
        let include: Vec<String> = unique
            .include
            .iter()
            .map(|name| column_of(entity, name).unwrap_or_else(|| name.clone()))
            .collect();
        let include = string_vec(include.iter().map(String::as_str));
        let deferrable = deferral(unique.deferrable);
        steps.push(quote! {
            column.unique = ::core::option::Option::Some(::forge::__private::UniqueDefinition {
                name: #unique_name,
                columns: ::std::vec::Vec::new(),
                nulls_not_distinct: #nulls_not_distinct,
                include: #include,
                deferrable: ::forge::__private::Deferrable::#deferrable,
            });
        });
    }
    if let Some(default) = a.default.get() {
        steps.push(quote! { column.default = ::core::option::Option::Some(::std::string::String::from(#default)); });
    }
    if let Some(slot) = a.serial.slot() {
        if typed_by_rust {
            steps.push(assert_bound(
                slot.key,
                "serial_needs_an_integer_column",
                "IntegerType",
                ty,
            ));
        }
        steps.push(quote! { column.identity = ::core::option::Option::Some(::forge::__private::Identity::Serial); });
    }
    if let Some(slot) = a.identity.slot() {
        if typed_by_rust {
            steps.push(assert_bound(
                slot.key,
                "identity_needs_an_integer_column",
                "IntegerType",
                ty,
            ));
        }
        let identity = &slot.value;
        let variant = match identity.kind {
            IdentityKind::Always => quote!(Always),
            IdentityKind::ByDefault => quote!(ByDefault),
        };
        steps.push(quote! { column.identity = ::core::option::Option::Some(::forge::__private::Identity::#variant); });
        if identity.has_options() {
            let opt = |v: Option<i64>| match v {
                Some(v) => quote!(::core::option::Option::Some(#v)),
                None => quote!(::core::option::Option::None),
            };
            let (start, increment, min_value, max_value, cache) = (
                opt(identity.start),
                opt(identity.increment),
                opt(identity.min_value),
                opt(identity.max_value),
                opt(identity.cache),
            );
            let cycle = identity.cycle;
            steps.push(quote! {
                column.sequence = ::core::option::Option::Some(::forge::__private::Sequence {
                    name: ::core::option::Option::None,
                    start: #start,
                    increment: #increment,
                    min_value: #min_value,
                    max_value: #max_value,
                    cache: #cache,
                    cycle: #cycle,
                });
            });
        }
    }
    if let Some(comment) = &field.comment {
        steps.push(quote! { column.comment = ::core::option::Option::Some(::std::string::String::from(#comment)); });
    }
    if !a.renamed_from.is_empty() {
        let names = string_vec(a.renamed_from.iter().map(|s| s.value.as_str()));
        steps.push(quote! { column.renamed_from = #names; });
    }
    steps.extend(checks(field, &name));
    for check in &a.named_checks {
        let definition = check_definition(&check.value);
        steps.push(quote! { column.named_checks.push(#definition); });
    }
    if let Some(slot) = a.references.slot() {
        let path = &slot.value.path;
        let columns = string_vec(slot.value.column.as_deref());
        let on_delete = action(a.on_delete.get().copied());
        let on_update = action(a.on_update.get().copied());
        let fk_name = option_string(a.fk_name.get().map(String::as_str));
        let deferrable = deferral(a.deferrable.get().copied());
        let match_type = if a.match_full.get() == Some(&true) {
            quote!(Full)
        } else {
            quote!(Simple)
        };
        // The column's type against the referenced key's, where both are
        // known here: the field's Rust type and the target's key type.
        let target = if typed_by_rust && slot.value.column.is_none() {
            quote_spanned! {slot.value_span=> ::forge::__private::reference_to_key::<#path, #ty>() }
        } else {
            quote_spanned! {slot.value_span=> ::forge::__private::reference_to::<#path>() }
        };
        steps.push(quote! {
            let (table, schema) = #target;
            column.references = ::core::option::Option::Some(::forge::__private::Reference {
                table,
                schema,
                columns: #columns,
                on_delete: #on_delete,
                on_update: #on_update,
                name: #fk_name,
                deferrable: ::forge::__private::Deferrable::#deferrable,
                match_type: ::forge::__private::MatchType::#match_type,
            });
        });
    }

    if steps.is_empty() {
        return base;
    }
    quote! {
        {
            let mut column = #base;
            #(#steps)*
            column
        }
    }
}

/// CHECK expressions in the order the attributes were written.
fn checks(field: &Field, column: &str) -> Vec<TokenStream> {
    let a = &field.attrs;
    let ty = field.ty;
    let quoted = sql_identifier(column);
    let mut out = Vec::new();
    for (key, _) in &a.given {
        let (slot, op) = match *key {
            "gt" => (a.gt.slot(), ">"),
            "ge" => (a.ge.slot(), ">="),
            "lt" => (a.lt.slot(), "<"),
            "le" => (a.le.slot(), "<="),
            "check" => {
                if let Some(check) = a.check.get() {
                    out.push(quote! { column.checks.push(::std::string::String::from(#check)); });
                }
                continue;
            }
            _ => continue,
        };
        let Some(slot) = slot else { continue };
        let expression = format!("{quoted} {op} {}", slot.value.sql);
        // With `sql_type` the user chose the column type; the Rust type is not asked.
        let assertion = if a.sql_type.is_set() {
            quote!()
        } else {
            assert_bound(slot.key, "bounds_need_a_numeric_column", "NumericType", ty)
        };
        out.push(quote! {
            #assertion
            column.checks.push(::std::string::String::from(#expression));
        });
    }
    out
}

fn action(action: Option<ReferentialAction>) -> TokenStream {
    let variant = syn::Ident::new(
        action.unwrap_or(ReferentialAction::NoAction).variant(),
        Span::call_site(),
    );
    quote! { ::forge::__private::ReferentialAction::#variant }
}

fn option_string(value: Option<&str>) -> TokenStream {
    match value {
        Some(s) => quote! { ::core::option::Option::Some(::std::string::String::from(#s)) },
        None => quote! { ::core::option::Option::None },
    }
}

fn string_vec<'a>(values: impl IntoIterator<Item = &'a str>) -> TokenStream {
    let values = values.into_iter();
    quote! { ::std::vec![#(::std::string::String::from(#values)),*] }
}

/// The first token of a type: where a "trait not implemented" error should point.
fn span_of(ty: &syn::Type) -> Span {
    syn::spanned::Spanned::span(ty)
}

/// The `Deferrable` variant of a deferral attribute.
fn deferral(deferrable: Option<Deferrable>) -> TokenStream {
    match deferrable {
        None => quote!(NotDeferrable),
        Some(Deferrable::InitiallyImmediate) => quote!(InitiallyImmediate),
        Some(Deferrable::InitiallyDeferred) => quote!(InitiallyDeferred),
    }
}
