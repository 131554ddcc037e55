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
mod index_key;
mod pg_enum;
mod sql_type;

use proc_macro::TokenStream;
use syn::parse_macro_input;

/// Maps a struct with named fields to a table and registers it at link time.
///
/// Generates `EntityFields` (the columns, in field order, with `flatten`ed
/// groups spliced in place), `EntityTable` (`TABLE_NAME`, `definition()`) and
/// an `inventory` registration the registry collects.
///
/// # Struct attributes, `#[forge(...)]`
///
/// | attribute | meaning |
/// |---|---|
/// | `table = "products"` | table name; default: snake_case of the struct name without a trailing `Table` |
/// | `schema = "app"` | PostgreSQL schema of the table |
/// | `renamed_from = "old"` | an earlier table name (repeatable): the diff renames instead of drop + create |
/// | `index(a, b)` / `unique(a, b)` | composite index / unique constraint (repeatable); entries are field or column names; optional `name = "..."` |
/// | `primary_key(a, b)` | composite primary key over own fields (then no field may say `primary_key`) |
///
/// A doc comment on the struct becomes the table comment.
///
/// # Field attributes, `#[forge(...)]`
///
/// | attribute | meaning |
/// |---|---|
/// | `column = "name"` | column name; default: the field name |
/// | `primary_key` | part of the primary key (several fields form a composite key); not on an `Option` field |
/// | `index`, `unique` | single-column index / unique constraint |
/// | `max_length = 255` | `varchar(255)`; the field type must be a string type (`forge::TextType`); at least 1 |
/// | `gt`, `ge`, `lt`, `le` `= <number>` | CHECK bound (`price > 0`); the field type must be numeric (`forge::NumericType`); one lower and one upper bound at most, and they must leave room |
/// | `check = "sql"` | any CHECK expression |
/// | `default = "sql"` | server default expression |
/// | `references = UserTable` or `references = UserTable(column)` | foreign key to another entity (its primary key unless a column is named); a compile error if the type is not an entity |
/// | `on_delete`, `on_update` `= "cascade" \| "set null" \| "set default" \| "restrict" \| "no action"` | referential actions; need `references` |
/// | `sql_type = "inet"` | the column type verbatim; the field type then needs no `SqlType`, and nullability is `Option<...>` as written |
/// | `renamed_from = "old"` | an earlier column name (repeatable) |
/// | `identity` / `identity = "always" \| "by_default"` | identity column (bare: by default); not with `default` |
/// | `flatten` | splice in the columns of a type implementing `EntityFields` (e.g. `EntityBase`); alone |
/// | `skip` | not a column; alone |
///
/// A doc comment on a field becomes the column comment. Every mistake is a
/// compile error on the offending token, all reported in one build.
#[proc_macro_derive(EntityTable, attributes(forge))]
pub fn derive_entity_table(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as syn::DeriveInput);
    entity::expand(&input).into()
}

/// Maps a fieldless enum to a PostgreSQL enum type: implements `SqlType`
/// (column type `Enum`, with the type to create) and `PgEnum`.
///
/// - `#[forge(name = "order_status")]` on the enum: the type name; default:
///   snake_case of the enum name.
/// - `#[forge(rename = "label")]` on a variant: its label; default: snake_case
///   of the variant name.
///
/// Labels keep declaration order and must be unique; variants carry no data;
/// the enum has at least one variant and no generic parameters.
#[proc_macro_derive(PgEnum, attributes(forge))]
pub fn derive_pg_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as syn::DeriveInput);
    pg_enum::expand(&input).into()
}
