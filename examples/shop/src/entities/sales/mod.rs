//! Orders placed by users.

pub mod order;
