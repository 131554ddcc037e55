//! The revision graph: validation, revision specs, upgrade/downgrade plans,
//! stamping and history, with Alembic's semantics.

mod error;
mod history;
mod plan;
mod revision_graph;
mod spec;
mod stamp;

pub use error::GraphError;
pub use history::{draw, GraphRow, HistoryEntry};
pub use plan::{Direction, Step};
pub use revision_graph::RevisionGraph;
pub use spec::RevisionSpec;
pub use stamp::Stamp;
