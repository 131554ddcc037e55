mod table;
pub use table::*;
