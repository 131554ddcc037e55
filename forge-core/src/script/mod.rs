//! Migration files: their format, the SQL splitter, the checksum, reading a
//! directory of them and writing a new one.

mod checksum;
mod directory;
mod error;
mod migration;
mod splitter;
mod transaction;
mod writer;

pub use checksum::{checksum, normalize as normalize_for_checksum};
pub use directory::ScriptDirectory;
pub use error::ScriptError;
pub use migration::{branch_label_problem, is_revision_id, MigrationScript, Section};
pub use splitter::{split_statements, SplitError, SplitErrorKind, Statement};
pub use transaction::{
    find_forbidden, find_non_transactional, forbidden_problem, transaction_problem,
    ForbiddenStatement, NonTransactional,
};
pub use writer::{
    file_name, name_stamp, new_revision_id, next_stamp, render, slug, write_revision, NewRevision,
};
