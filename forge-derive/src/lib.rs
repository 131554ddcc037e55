//! Derives for Forge: `#[derive(EntityTable)]` maps a struct to a table and
//! registers it; `#[derive(PgEnum)]` maps a fieldless enum to a PostgreSQL enum.
//!
//! Both parse the input into a typed model first (`ast`, `attr`), check it
//! (`check`), collecting every error (`ctxt`), and only then generate code
//! (`entity`, `pg_enum`); a failed derive emits its errors and a stub
//! (`fallback`). The attributes are documented on the `forge` crate.

mod ast;
mod attr;
mod case;
mod check;
mod ctxt;
mod entity;
mod fallback;
mod pg_enum;

use proc_macro::TokenStream;
use syn::parse_macro_input;

#[proc_macro_derive(EntityTable, attributes(forge))]
pub fn derive_entity_table(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as syn::DeriveInput);
    entity::expand(&input).into()
}

#[proc_macro_derive(PgEnum, attributes(forge))]
pub fn derive_pg_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as syn::DeriveInput);
    pg_enum::expand(&input).into()
}
