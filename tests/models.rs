//! The example app's models as the registry and the CLI see them: entities in
//! a separate crate are collected once the binary links that crate.

use forge::model::{ColumnType, ReferentialAction};

// The entities live in the `shop` crate; linking it is all the registry needs.
use shop as _;

fn tables(schema: &forge::model::Schema) -> Vec<&str> {
    schema.tables.iter().map(|t| t.name.as_str()).collect()
}

#[test]
fn entities_of_a_linked_crate_are_registered_without_an_import_list() {
    let schema = forge::registry::schema().expect("the example's models form a valid schema");
    assert_eq!(
        tables(&schema),
        ["api_keys", "categories", "orders", "products", "users"]
    );
    let entities = forge::registry::entities();
    let product = entities
        .iter()
        .find(|e| e.definition.table == "products")
        .unwrap();
    assert_eq!(product.rust_name, "ProductTable");
    assert!(
        product
            .source_file
            .ends_with("entities/catalog/product/table.rs"),
        "{}",
        product.source_file
    );
}

#[test]
fn the_example_schema_has_what_its_models_declare() {
    let schema = forge::registry::schema().unwrap();
    let products = schema.table("products").unwrap();
    assert_eq!(products.comment.as_deref(), Some("Product table model."));
    assert_eq!(
        products.column("name").unwrap().column_type,
        ColumnType::varchar(255)
    );
    assert_eq!(products.checks[0].name, "products_price_check");
    assert_eq!(products.indexes[0].name, "ix_products_sku");
    let owner = products
        .foreign_keys
        .iter()
        .find(|fk| fk.columns == ["owner_id"])
        .unwrap();
    assert_eq!(
        (
            owner.referenced_table.as_str(),
            owner.referenced_columns.as_slice()
        ),
        ("users", &["id".to_string()][..])
    );

    let users = schema.table("users").unwrap();
    assert!(users.column("phone_number").unwrap().nullable);
    assert_eq!(
        users.column("created_at").unwrap().default.as_deref(),
        Some("now()")
    );
    assert_eq!(users.primary_key.as_ref().unwrap().columns, ["id"]);

    let orders = schema.table("orders").unwrap();
    assert_eq!(orders.uniques[0].columns, ["user_id", "number"]);
    assert_eq!(
        orders.column("status").unwrap().column_type,
        ColumnType::Enum {
            name: "order_status".into()
        }
    );
    assert_eq!(
        orders.foreign_keys[0].on_delete,
        ReferentialAction::Restrict
    );
    let status = schema.enum_type("order_status").unwrap();
    assert_eq!(status.labels, ["pending", "paid", "shipped", "cancelled"]);

    let categories = schema.table("categories").unwrap();
    let parent = &categories.foreign_keys[0];
    assert_eq!(
        (parent.referenced_table.as_str(), parent.on_delete),
        ("categories", ReferentialAction::SetNull)
    );
}

#[test]
fn entities_list_prints_every_table_with_its_columns_and_source_struct() {
    let project = forge_tests::Project::with_url("postgres://unused@127.0.0.1:1/unused");
    let run = project.cli(&["entities", "list"]).success();
    for table in ["users", "products", "orders", "categories", "api_keys"] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(&format!("{table}  ("))),
            "{table} missing:\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("ProductTable"));
    assert!(
        run.stdout
            .contains("  price        double precision  NOT NULL"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("-> users(id)"));
    assert!(run.stdout.trim_end().ends_with("5 entities"));
}

#[test]
fn entities_list_json_is_machine_readable() {
    let project = forge_tests::Project::with_url("postgres://unused@127.0.0.1:1/unused");
    let run = project.cli(&["entities", "list", "--json"]).success();
    let listing: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    let users = listing["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["table"] == "users")
        .unwrap();
    assert_eq!(
        users["rust_path"].as_str().unwrap().rsplit("::").next(),
        Some("UserTable")
    );
    let email = users["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "email")
        .unwrap();
    assert_eq!(email["sql_type"], "varchar(255)");
    assert_eq!(email["nullable"], false);
}

#[test]
fn schema_dump_json_is_the_registry_schema() {
    let project = forge_tests::Project::with_url("postgres://unused@127.0.0.1:1/unused");
    let run = project.cli(&["schema", "dump", "--json"]).success();
    let dumped: forge::model::Schema =
        serde_json::from_str(&run.stdout).expect("the dump parses back into the model");
    assert_eq!(dumped, forge::registry::schema().unwrap());
}

/// The example's models, created in a real database with plain DDL, read back
/// from the catalog: the database holds exactly what the models describe
/// (compared the way autogenerate compares, the server settling expressions
/// it prints in its own spelling).
#[tokio::test]
async fn the_example_schema_created_in_postgres_reads_back_identical() {
    let db = forge_tests::TestDatabase::create().await;
    let desired = forge::registry::schema().unwrap();
    db.execute(&forge_core::render::postgres::schema_ddl(&desired))
        .await;

    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, is_nullable::text FROM information_schema.columns
         WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let expected: Vec<(String, String, String)> = desired
        .tables
        .iter()
        .flat_map(|t| {
            t.columns.iter().map(|c| {
                (
                    t.name.clone(),
                    c.name.clone(),
                    if c.nullable { "YES" } else { "NO" }.to_string(),
                )
            })
        })
        .collect();
    assert_eq!(columns, expected);

    let mut connection = forge_core::database::connect(&db.url, Some("public"))
        .await
        .unwrap();
    let changes = forge_core::autogenerate::compare(
        &mut connection,
        "public",
        &forge_core::introspect::IntrospectOptions::default(),
        &desired,
    )
    .await
    .unwrap();
    assert!(
        changes.is_empty(),
        "introspection of the created schema differs from the models: {changes:#?}"
    );
    // Everything but the expressions reads back as the models say them.
    let live = forge_core::introspect::postgres::introspect(&mut connection, "public")
        .await
        .unwrap();
    let names = |s: &forge::model::Schema| -> Vec<String> {
        s.tables
            .iter()
            .flat_map(|t| {
                t.columns
                    .iter()
                    .map(|c| format!("{}.{} {}", t.name, c.name, c.column_type))
                    .chain(t.indexes.iter().map(|i| i.name.clone()))
                    .chain(t.foreign_keys.iter().map(|f| f.name.clone()))
                    .chain(t.checks.iter().map(|c| c.name.clone()))
            })
            .collect()
    };
    assert_eq!(names(&live), names(&desired));
}
