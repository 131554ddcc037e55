//! What the shop sells.

pub mod category;
pub mod product;
