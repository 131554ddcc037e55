//! The example app: a small shop. Its entities live one per folder in
//! `src/entities/<domain>/<entity>/table.rs`; adding a `table.rs` (and its `mod`
//! line) is all it takes for `migrate revision` to see a new table.

pub mod entities;
