use forge::{EntityTable, PgEnum};

#[derive(PgEnum, Debug, Clone, Copy)]
#[forge(name = "order_state")]
pub enum OrderState {
    Pending,
    InTransit,
    #[forge(rename = "DONE")]
    Done,
}

#[derive(EntityTable)]
pub struct ShipmentTable {
    #[forge(primary_key)]
    pub id: uuid::Uuid,
    #[forge(default = "'pending'", index)]
    pub state: OrderState,
    pub previous: Option<OrderState>,
}

fn main() {
    assert_eq!(<OrderState as PgEnum>::LABELS, ["pending", "in_transit", "DONE"]);
}
