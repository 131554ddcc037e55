//! Entities by domain.

pub mod catalog;
pub mod core;
pub mod sales;
