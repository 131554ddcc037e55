//! What a failed derive still emits: the trait impls with unreachable bodies,
//! so the user sees the derive's errors and not a cascade of "trait not
//! implemented" errors wherever the type is used (as thiserror does).

use proc_macro2::TokenStream;
use quote::quote;

pub fn entity(input: &syn::DeriveInput, table: &str, key: TokenStream) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #[allow(unreachable_code)]
        const _: () = {
            impl #impl_generics ::forge::__private::EntityFields for #ident #ty_generics #where_clause {
                type Key = #key;
                fn columns() -> ::std::vec::Vec<::forge::__private::ColumnDefinition> {
                    ::core::unreachable!()
                }
            }
            impl #impl_generics ::forge::__private::EntityTable for #ident #ty_generics #where_clause {
                const TABLE_NAME: &'static str = #table;
                fn definition() -> ::forge::__private::EntityDefinition {
                    ::core::unreachable!()
                }
            }
        };
    }
}

pub fn pg_enum(input: &syn::DeriveInput, name: &str) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #[allow(unreachable_code)]
        const _: () = {
            impl #impl_generics ::forge::__private::SqlType for #ident #ty_generics #where_clause {
                fn column_type() -> ::forge::__private::ColumnType {
                    ::core::unreachable!()
                }
            }
            impl #impl_generics ::forge::__private::PgEnum for #ident #ty_generics #where_clause {
                const TYPE_NAME: &'static str = #name;
                const LABELS: &'static [&'static str] = &[];
            }
        };
    }
}
