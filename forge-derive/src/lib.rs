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
/// | `schema = "billing"` | PostgreSQL schema of the table (created by the migration that first needs it; foreign keys may cross schemas); default: the configured one |
/// | `partition_by = "RANGE (happened_on)"` | a partitioned table, as PostgreSQL prints its key (`LIST (region)`, `HASH (id)`); its partitions are not managed (they are listed as such, and autogenerate never touches them); PostgreSQL cannot change a table's partitioning in place, so a change is an error at `migrate revision` |
/// | `renamed_from = "old"` | an earlier table name in the same schema (repeatable): the diff renames instead of drop + create, sequences included |
/// | `index(a, "lower(b) text_pattern_ops", "c DESC NULLS LAST", ...)` | an index (repeatable): keys are fields, or SQL in a string (`column`, `function(...)` or `(expression)`, then `COLLATE "C"`, an operator class, `ASC`/`DESC`, `NULLS FIRST`/`LAST`); options `name = "..."`, `unique`, `nulls_not_distinct`, `where = "..."` (partial), `method = "gin"`, `include(d, e)` |
/// | `unique(a, b)` | a unique constraint (repeatable); options `name = "..."`, `nulls_not_distinct` |
/// | `primary_key(a, b)` | composite primary key over own fields (then no field may say `primary_key`) |
/// | `check(name = "...", expr = "...")` | a CHECK over several columns (repeatable); without a name, `<table>_check` |
///
/// A doc comment on the struct becomes the table comment.
///
/// # Field attributes, `#[forge(...)]`
///
/// | attribute | meaning |
/// |---|---|
/// | `column = "name"` | column name; default: the field name |
/// | `primary_key` | part of the primary key (several fields form a composite key); not on an `Option` field |
/// | `index` / `index(...)` | single-column index; options `name`, `unique`, `nulls_not_distinct`, `where`, `method`, `include(...)`, `desc`, `nulls_first`/`nulls_last`, `opclass = "..."` |
/// | `unique` / `unique(name = "...", nulls_not_distinct)` | single-column unique constraint |
/// | `max_length = 255` | `varchar(255)`; the field type must be a string type (`forge::TextType`); at least 1 |
/// | `precision = 10`, `scale = 2` | `numeric(10,2)` on a decimal; `precision = 3` on a time type is `timestamptz(3)`; not with `sql_type` |
/// | `collation = "C"` | the column's collation; the field type must be a string type |
/// | `gt`, `ge`, `lt`, `le` `= <number>` | CHECK bound (`price > 0`); the field type must be numeric (`forge::NumericType`); one lower and one upper bound at most, and they must leave room |
/// | `check = "sql"` | any CHECK expression, merged with the bounds into `<table>_<column>_check` |
/// | `check(name = "...", expr = "...")` | a CHECK of its own name (repeatable) |
/// | `default = "sql"` | server default expression, rendered as written |
/// | `generated = "sql"` | `GENERATED ALWAYS AS (sql) STORED`; not with `default`, `identity` or `serial` |
/// | `references = UserTable` or `references = UserTable(column)` | foreign key to another entity (its primary key unless a column is named); a compile error if the type is not an entity or, for its primary key, if the field's type is not the key's type |
/// | `on_delete`, `on_update` `= "cascade" \| "set null" \| "set default" \| "restrict" \| "no action"` | referential actions; need `references` |
/// | `fk_name = "..."`, `match = "full"`, `deferrable` / `deferrable = "initially deferred"` | the foreign key's name, MATCH FULL, deferral; need `references` |
/// | `sql_type = "numeric(10,2)"` | the column type as PostgreSQL spells it, parsed at compile time (`int4`, `varchar(40)`, `timestamp(3) with time zone`, `text[]`, `serial`...); a type Forge does not model (`inet`, a domain, `public.citext`) is settled with the server at `migrate revision`; the field type then needs no `SqlType`, and nullability is `Option<...>` as written |
/// | `renamed_from = "old"` | an earlier column name (repeatable) |
/// | `identity` / `identity = "always" \| "by_default"` / `identity(always, start = 100, increment = 10, min_value, max_value, cache, cycle)` | identity column (bare: by default), with its sequence's options; not with `default` |
/// | `serial` | a `serial`/`bigserial`/`smallserial` column (by the field's integer type): an owned sequence feeding the default; prefer `identity` for new tables |
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
/// - `#[forge(renamed_from = "old")]` on a variant (repeatable): an earlier
///   label; the migration renames it in place (`ALTER TYPE ... RENAME VALUE`),
///   so rows holding it keep their value.
///
/// Labels keep declaration order and must be unique; variants carry no data;
/// the enum has at least one variant and no generic parameters.
#[proc_macro_derive(PgEnum, attributes(forge))]
pub fn derive_pg_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as syn::DeriveInput);
    pg_enum::expand(&input).into()
}
