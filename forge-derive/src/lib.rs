//! Derives for Forge entities. Placeholder until the derive lands.
use proc_macro::TokenStream;

#[proc_macro_derive(EntityTable, attributes(forge))]
pub fn derive_entity_table(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}

#[proc_macro_derive(PgEnum, attributes(forge))]
pub fn derive_pg_enum(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
