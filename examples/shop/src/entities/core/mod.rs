//! Users and their credentials.

pub mod api_key;
pub mod user;
