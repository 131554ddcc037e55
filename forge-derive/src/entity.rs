//! `#[derive(EntityTable)]`: `EntityFields`, `EntityTable` and the registration
//! the registry collects at link time.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use crate::ast::{Entity, Field};
use crate::attr::{CompositeKind, Identity, ReferentialAction};
use crate::case::sql_identifier;
use crate::check::{self, resolve_column, Resolved};
use crate::ctxt::Ctxt;
use crate::fallback;

pub fn expand(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let entity = Entity::from_ast(&cx, input);
    if let Some(entity) = &entity {
        check::entity(&cx, entity);
    }
    match (entity, cx.into_compile_errors()) {
        (Some(entity), None) => generate(&entity),
        (entity, errors) => {
            let table = entity.map(|e| e.table_name()).unwrap_or_default();
            let stub = fallback::entity(input, &table);
            quote! { #errors #stub }
        }
    }
}

fn generate(entity: &Entity) -> TokenStream {
    let ident = entity.ident;
    let table = entity.table_name();
    let rust_name = ident.to_string();
    let struct_key: Vec<String> = entity
        .attrs
        .composites
        .iter()
        .filter(|c| c.kind == CompositeKind::PrimaryKey)
        .flat_map(|c| {
            c.columns
                .iter()
                .filter_map(|(name, _)| column_of(entity, name))
        })
        .collect();
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
                let column = column(field, in_struct_key);
                quote! { columns.push(#column); }
            }
        });
    let schema = option_string(entity.attrs.schema.get().map(String::as_str));
    let comment = option_string(entity.comment.as_deref());
    let renamed_from = string_vec(entity.attrs.renamed_from.iter().map(|s| s.value.as_str()));
    let composites = entity.attrs.composites.iter().filter(|c| c.kind != CompositeKind::PrimaryKey).map(|c| {
        let name = option_string(c.name.as_deref());
        let columns: Vec<String> =
            c.columns.iter().map(|(name, _)| column_of(entity, name).unwrap_or_else(|| name.clone())).collect();
        let columns = string_vec(columns.iter().map(String::as_str));
        let unique = c.kind == CompositeKind::Unique;
        quote! {
            ::forge::__private::CompositeIndex { name: #name, columns: #columns, unique: #unique }
        }
    });

    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            #[automatically_derived]
            impl ::forge::__private::EntityFields for #ident {
                fn columns() -> ::std::vec::Vec<::forge::__private::ColumnDefinition> {
                    let mut columns = ::std::vec::Vec::new();
                    #(#columns)*
                    columns
                }
            }

            #[automatically_derived]
            impl ::forge::__private::EntityTable for #ident {
                const TABLE_NAME: &'static str = #table;

                fn definition() -> ::forge::__private::EntityDefinition {
                    ::forge::__private::EntityDefinition {
                        table: ::std::string::String::from(#table),
                        schema: #schema,
                        comment: #comment,
                        renamed_from: #renamed_from,
                        columns: <Self as ::forge::__private::EntityFields>::columns(),
                        composite_indexes: ::std::vec![#(#composites),*],
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

/// The column name a composite entry resolves to, when it names an own column.
fn column_of(entity: &Entity, name: &str) -> Option<String> {
    match resolve_column(entity, name) {
        Resolved::Column(column) => Some(column),
        _ => None,
    }
}

/// One `ColumnDefinition` expression: the type's definition, then what each
/// attribute adds, each spanned on its attribute so type errors land there.
fn column(field: &Field, in_struct_key: bool) -> TokenStream {
    let a = &field.attrs;
    let ty = field.ty;
    let name = field.column_name();
    let mut steps: Vec<TokenStream> = Vec::new();

    let base = match a.sql_type.get() {
        // The escape hatch: the field type need not implement SqlType.
        Some(sql) => {
            let nullable = field.is_option();
            quote! {
                ::forge::__private::ColumnDefinition {
                    name: ::std::string::String::from(#name),
                    column_type: ::forge::__private::ColumnType::Custom { sql: ::std::string::String::from(#sql) },
                    nullable: #nullable,
                    default: ::core::option::Option::None,
                    identity: ::core::option::Option::None,
                    comment: ::core::option::Option::None,
                    renamed_from: ::std::vec::Vec::new(),
                    primary_key: false,
                    index: false,
                    unique: false,
                    checks: ::std::vec::Vec::new(),
                    references: ::core::option::Option::None,
                    enum_type: ::core::option::Option::None,
                }
            }
        }
        None => quote_spanned! {span_of(ty)=>
            ::forge::__private::ColumnDefinition::of::<#ty>(#name)
        },
    };

    if let Some(slot) = a.max_length.slot() {
        let length = slot.value;
        steps.push(quote_spanned! {slot.key=>
            {
                fn max_length_needs_a_string_column<T: ::forge::__private::TextType + ?::core::marker::Sized>() {}
                max_length_needs_a_string_column::<#ty>();
            }
            column.column_type = ::forge::__private::ColumnType::Varchar { length: ::core::option::Option::Some(#length) };
        });
    }
    if a.primary_key.is_set() || in_struct_key {
        steps.push(quote! { column.primary_key = true; });
    }
    if a.index.is_set() {
        steps.push(quote! { column.index = true; });
    }
    if a.unique.is_set() {
        steps.push(quote! { column.unique = true; });
    }
    if let Some(default) = a.default.get() {
        steps.push(quote! { column.default = ::core::option::Option::Some(::std::string::String::from(#default)); });
    }
    if let Some(identity) = a.identity.get() {
        let variant = match identity {
            Identity::Always => quote!(Always),
            Identity::ByDefault => quote!(ByDefault),
        };
        steps.push(quote! { column.identity = ::core::option::Option::Some(::forge::__private::Identity::#variant); });
    }
    if let Some(comment) = &field.comment {
        steps.push(quote! { column.comment = ::core::option::Option::Some(::std::string::String::from(#comment)); });
    }
    if !a.renamed_from.is_empty() {
        let names = string_vec(a.renamed_from.iter().map(|s| s.value.as_str()));
        steps.push(quote! { column.renamed_from = #names; });
    }
    steps.extend(checks(field, &name));
    if let Some(slot) = a.references.slot() {
        let path = &slot.value.path;
        let columns = string_vec(slot.value.column.as_deref());
        let on_delete = action(a.on_delete.get().copied());
        let on_update = action(a.on_update.get().copied());
        let table = quote_spanned! {slot.value_span=> <#path as ::forge::__private::EntityTable>::TABLE_NAME };
        steps.push(quote! {
            column.references = ::core::option::Option::Some(::forge::__private::Reference {
                table: #table,
                columns: #columns,
                on_delete: #on_delete,
                on_update: #on_update,
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
            quote_spanned! {slot.key=>
                {
                    fn bounds_need_a_numeric_column<T: ::forge::__private::NumericType + ?::core::marker::Sized>() {}
                    bounds_need_a_numeric_column::<#ty>();
                }
            }
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
