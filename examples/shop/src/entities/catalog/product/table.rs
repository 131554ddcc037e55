use forge::{EntityBase, EntityTable};

use crate::entities::catalog::category::CategoryTable;
use crate::entities::core::user::UserTable;

/// Product table model.
#[derive(EntityTable)]
#[forge(table = "products")]
pub struct ProductTable {
    #[forge(flatten)]
    pub base: EntityBase,
    #[forge(max_length = 255)]
    pub name: String,
    #[forge(gt = 0)]
    pub price: f64,
    #[forge(max_length = 100, index)]
    pub sku: String,
    /// Free-form attributes shown on the product page.
    #[forge(default = "'{}'")]
    pub attributes: forge::serde_json::Value,
    #[forge(references = UserTable)]
    pub owner_id: forge::uuid::Uuid,
    #[forge(references = CategoryTable, on_delete = "set null")]
    pub category_id: Option<forge::uuid::Uuid>,
}
