//! forge-core: the schema model, the registry of entities, and (as they land)
//! introspection, the diff, SQL rendering, migration scripts, the revision
//! graph and the runner.

pub mod autogenerate;
pub mod database;
pub mod diff;
pub mod entity;
pub mod graph;
pub mod guard;
pub mod introspect;
pub mod model;
pub mod registry;
pub mod render;
pub mod runner;
pub mod script;
pub mod verify;

pub use entity::{
    EntityBase, EntityFields, EntityTable, IntegerType, NumericType, PgEnum, PrecisionType,
    References, SqlType, TextType,
};
