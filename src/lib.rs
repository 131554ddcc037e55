//! Forge: code-first schema and migrations for Rust.
//!
//! An app depends on this crate alone: it re-exports the core library
//! ([`forge_core`]) and the derives. Annotate plain structs with
//! `#[derive(EntityTable)]`; each registers itself at link time, so
//! [`registry::schema`] sees every entity of every crate the binary links.
//!
//! A binary only sees the entities of the crates it links. When the entities live
//! in a separate crate that the binary does not otherwise use, link it explicitly:
//!
//! ```ignore
//! use my_entities as _;
//! ```

pub use forge_core::*;
pub use forge_derive::{EntityTable, PgEnum};

#[doc(hidden)]
pub mod __private {
    pub use forge_core::entity::__private::*;
    pub use inventory;
}
