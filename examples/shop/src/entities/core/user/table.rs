use forge::{EntityBase, EntityTable};

/// A person who can sign in to the shop.
#[derive(EntityTable)]
#[forge(table = "users")]
pub struct UserTable {
    #[forge(flatten)]
    pub base: EntityBase,
    /// Sign-in address, unique across users.
    #[forge(max_length = 255, unique)]
    pub email: String,
    #[forge(max_length = 100)]
    pub display_name: String,
    /// Optional contact number.
    #[forge(max_length = 20)]
    pub phone_number: Option<String>,
    #[forge(default = "true")]
    pub is_active: bool,
}
