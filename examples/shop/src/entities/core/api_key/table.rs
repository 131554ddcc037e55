use forge::{EntityBase, EntityTable};

use crate::entities::core::user::UserTable;

/// A key a user's scripts call the API with.
#[derive(EntityTable)]
#[forge(table = "api_keys")]
pub struct ApiKeyTable {
    #[forge(flatten)]
    pub base: EntityBase,
    #[forge(references = UserTable, on_delete = "cascade", index)]
    pub user_id: forge::uuid::Uuid,
    /// First characters of the key, shown to the user to tell keys apart.
    #[forge(max_length = 12, unique)]
    pub prefix: String,
    pub last_used_at: Option<forge::chrono::DateTime<forge::chrono::Utc>>,
}
