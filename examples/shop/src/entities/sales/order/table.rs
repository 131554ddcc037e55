use forge::{EntityBase, EntityTable, PgEnum};

use crate::entities::core::user::UserTable;

/// Where an order is in its life.
#[derive(PgEnum, Debug, Clone, Copy, PartialEq, Eq)]
#[forge(name = "order_status")]
pub enum OrderStatus {
    Pending,
    Paid,
    Shipped,
    Cancelled,
}

/// An order a user placed. Each user numbers their orders from 1.
#[derive(EntityTable)]
#[forge(table = "orders", unique(user_id, number))]
pub struct OrderTable {
    #[forge(flatten)]
    pub base: EntityBase,
    #[forge(references = UserTable, on_delete = "restrict")]
    pub user_id: forge::uuid::Uuid,
    #[forge(ge = 1)]
    pub number: i32,
    #[forge(default = "'pending'")]
    pub status: OrderStatus,
    /// Total in cents.
    #[forge(ge = 0)]
    pub total_cents: i64,
    pub shipped_at: Option<forge::chrono::DateTime<forge::chrono::Utc>>,
    #[forge(max_length = 500)]
    pub note: Option<String>,
}
