//! What `#[derive(EntityTable)]` and `#[derive(PgEnum)]` generate code against:
//! the traits an entity implements, the column-type trait [`SqlType`], and the
//! definitions an entity hands to the registry at link time.

mod definition;
mod sql_type;

pub use definition::{
    CheckDefinition, ColumnDefinition, EntityBase, EntityDefinition, EntityRegistration,
    IndexDefinition, Reference, UniqueDefinition,
};
pub use sql_type::{IntegerType, NumericType, PrecisionType, References, SqlType, TextType};

/// A struct that maps to a table. Implemented by `#[derive(EntityTable)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an entity: it does not implement `forge::EntityTable`",
    label = "not an entity",
    note = "`references = ...` names a struct that has `#[derive(EntityTable)]`"
)]
pub trait EntityTable: EntityFields {
    /// The table's name in the database.
    const TABLE_NAME: &'static str;

    /// The PostgreSQL schema of the table (`#[forge(schema = "...")]`);
    /// `None` for the default one.
    const SCHEMA: Option<&'static str> = None;

    /// The whole table as the model describes it.
    fn definition() -> EntityDefinition;
}

/// A group of columns: every entity, and reusable field sets such as
/// [`EntityBase`] that other entities embed with `#[forge(flatten)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no columns to flatten: it does not implement `forge::EntityFields`",
    label = "not a group of columns",
    note = "`#[forge(flatten)]` embeds a struct that derives `EntityTable` or implements `EntityFields` (as `EntityBase` does)"
)]
pub trait EntityFields {
    /// The Rust type of the primary key these columns declare: the key
    /// column's field type, or `()` when they declare no key or a composite
    /// one. `references = ThisTable` checks a foreign key's type against it.
    type Key;

    fn columns() -> Vec<ColumnDefinition>;
}

/// A Rust enum stored as a PostgreSQL enum type. Implemented by `#[derive(PgEnum)]`.
pub trait PgEnum: SqlType {
    const TYPE_NAME: &'static str;
    /// Labels in declaration order.
    const LABELS: &'static [&'static str];
}

/// The table and schema a `references = Target` names, with the foreign key
/// field's type checked against the target's key: one call, so a target that
/// is no entity is one error, not two.
#[doc(hidden)]
pub fn reference_to_key<Target, Field>() -> (&'static str, Option<&'static str>)
where
    Target: EntityTable + ?Sized,
    Field: References<<Target as EntityFields>::Key> + ?Sized,
{
    (Target::TABLE_NAME, Target::SCHEMA)
}

/// The table and schema a `references = Target(column)` names (the column's
/// type is only known to the registry).
#[doc(hidden)]
pub fn reference_to<Target: EntityTable + ?Sized>() -> (&'static str, Option<&'static str>) {
    (Target::TABLE_NAME, Target::SCHEMA)
}

/// Items the derives' generated code names by absolute path. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use super::{reference_to, reference_to_key};
    pub use super::{
        CheckDefinition, ColumnDefinition, EntityDefinition, EntityFields, EntityRegistration,
        EntityTable, IndexDefinition, IntegerType, NumericType, PgEnum, PrecisionType, Reference,
        References, SqlType, TextType, UniqueDefinition,
    };
    pub use crate::model::{
        ColumnType, Deferrable, EnumType, Identity, IndexKey, KeyTarget, MatchType, NullsOrder,
        ReferentialAction, Sequence,
    };
}
