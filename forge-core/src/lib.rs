//! forge-core: the schema model, the registry of entities, migration files and
//! the revision graph, the diff and its SQL, and the PostgreSQL runtime
//! (introspection, autogenerate, the runner, verify).
//!
//! Features keep what a crate compiles to what it uses: without any, only the
//! model, the entity traits and the registry (what a crate that only defines
//! entities needs); `migrations` and `diff` add the pure layers; `postgres` the
//! runtime; `testing` the helpers of `forge::testing`.

pub mod entity;
pub mod model;
pub mod registry;
pub mod settings;

#[cfg(feature = "migrations")]
pub mod graph;
#[cfg(feature = "migrations")]
pub mod script;
#[cfg(feature = "migrations")]
pub mod snapshot;
// Escaping what files and servers say before it reaches a terminal (scripts use it).
pub mod terminal;

#[cfg(feature = "diff")]
pub mod diff;
#[cfg(feature = "diff")]
pub mod render;

#[cfg(feature = "postgres")]
pub mod autogenerate;
#[cfg(feature = "postgres")]
pub mod database;
#[cfg(feature = "postgres")]
pub mod embedded;
#[cfg(feature = "postgres")]
pub mod guard;
#[cfg(feature = "postgres")]
pub mod introspect;
#[cfg(feature = "postgres")]
pub mod runner;
#[cfg(feature = "postgres")]
pub mod scratch;
#[cfg(feature = "postgres")]
pub mod verify;

#[cfg(feature = "testing")]
pub mod testing;

pub use entity::{
    EntityBase, EntityFields, EntityTable, IntegerType, NumericType, PgEnum, PrecisionType,
    References, SqlType, TextType,
};
