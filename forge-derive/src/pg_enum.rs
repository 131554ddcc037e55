//! `#[derive(PgEnum)]`: a fieldless Rust enum stored as a PostgreSQL enum type.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::PgEnumDef;
use crate::check;
use crate::ctxt::Ctxt;
use crate::fallback;

pub fn expand(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let def = PgEnumDef::from_ast(&cx, input);
    if let Some(def) = &def {
        check::pg_enum(&cx, def);
    }
    match (def, cx.into_compile_errors()) {
        (Some(def), None) => generate(&def),
        (def, errors) => {
            let name = def.map(|d| d.type_name()).unwrap_or_default();
            let stub = fallback::pg_enum(input, &name);
            quote! { #errors #stub }
        }
    }
}

fn generate(def: &PgEnumDef) -> TokenStream {
    let ident = def.ident;
    let name = def.type_name();
    let labels: Vec<String> = def.variants.iter().map(|v| v.label()).collect();
    let renames = def.variants.iter().flat_map(|v| {
        let label = v.label();
        v.attrs.renamed_from.iter().map(move |old| {
            let old = &old.value;
            quote! { (::std::string::String::from(#old), ::std::string::String::from(#label)) }
        })
    });
    quote! {
        #[doc(hidden)]
        #[allow(unused_qualifications, clippy::all)]
        const _: () = {
            #[automatically_derived]
            impl ::forge::__private::SqlType for #ident {
                fn column_type() -> ::forge::__private::ColumnType {
                    ::forge::__private::ColumnType::Enum { name: ::std::string::String::from(#name) }
                }

                fn enum_type() -> ::core::option::Option<::forge::__private::EnumType> {
                    ::core::option::Option::Some(::forge::__private::EnumType {
                        name: ::std::string::String::from(#name),
                        labels: ::std::vec![#(::std::string::String::from(#labels)),*],
                        renamed_labels: ::std::vec![#(#renames),*],
                    })
                }
            }

            #[automatically_derived]
            impl ::forge::__private::PgEnum for #ident {
                const TYPE_NAME: &'static str = #name;
                const LABELS: &'static [&'static str] = &[#(#labels),*];
            }
        };
    }
}
