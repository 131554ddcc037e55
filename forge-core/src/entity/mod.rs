//! What `#[derive(EntityTable)]` and `#[derive(PgEnum)]` generate code against:
//! the traits an entity implements, the column-type trait [`SqlType`], and the
//! definitions an entity hands to the registry at link time.

mod definition;
mod sql_type;

pub use definition::{
    ColumnDefinition, CompositeIndex, EntityBase, EntityDefinition, EntityRegistration, Reference,
};
pub use sql_type::{NumericType, SqlType, TextType};

/// A struct that maps to a table. Implemented by `#[derive(EntityTable)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an entity: it does not implement `forge::EntityTable`",
    label = "not an entity",
    note = "`references = ...` names a struct that has `#[derive(EntityTable)]`"
)]
pub trait EntityTable: EntityFields {
    /// The table's name in the database.
    const TABLE_NAME: &'static str;

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
    fn columns() -> Vec<ColumnDefinition>;
}

/// A Rust enum stored as a PostgreSQL enum type. Implemented by `#[derive(PgEnum)]`.
pub trait PgEnum: SqlType {
    const TYPE_NAME: &'static str;
    /// Labels in declaration order.
    const LABELS: &'static [&'static str];
}

/// Items the derives' generated code names by absolute path. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use super::{
        ColumnDefinition, CompositeIndex, EntityDefinition, EntityFields, EntityRegistration,
        EntityTable, NumericType, PgEnum, Reference, SqlType, TextType,
    };
    pub use crate::model::{ColumnType, EnumType, Identity, ReferentialAction};
}
