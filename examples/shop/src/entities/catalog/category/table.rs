use forge::{EntityBase, EntityTable};

/// A node of the catalog's category tree.
#[derive(EntityTable)]
#[forge(table = "categories")]
pub struct CategoryTable {
    #[forge(flatten)]
    pub base: EntityBase,
    #[forge(max_length = 100, unique)]
    pub name: String,
    /// The enclosing category; NULL for a top-level one.
    #[forge(references = CategoryTable, on_delete = "set null")]
    pub parent_id: Option<forge::uuid::Uuid>,
}
