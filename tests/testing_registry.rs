//! `forge::testing::assert_models_valid` runs the registry's checks with no
//! database: two entities claiming one table fail the app's `cargo test`.

use std::panic::catch_unwind;

use forge::EntityTable;

#[derive(EntityTable)]
#[forge(table = "things")]
pub struct ThingTable {
    #[forge(primary_key)]
    pub id: i64,
}

#[derive(EntityTable)]
#[forge(table = "things")]
pub struct OtherThingTable {
    #[forge(primary_key)]
    pub id: i64,
}

#[test]
fn two_entities_for_one_table_fail_without_a_database() {
    std::env::set_var(
        "FORGE_TEST_DATABASE_URL",
        "postgres://nobody@127.0.0.1:9/none",
    );
    let payload = catch_unwind(|| {
        forge::testing::assert_models_valid();
    })
    .expect_err("the registry refuses the models");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        message,
        "the models are not valid: table `things` is defined twice, by testing_registry::OtherThingTable and testing_registry::ThingTable; give one of them another name with #[forge(table = \"...\")]"
    );
}
