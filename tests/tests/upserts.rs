//! Catalog sync: `upsertProduct` and `upsertProducts` create a product or update it by SKU,
//! in one statement, race-free, and say which they did.

use serde_json::{Value, json};
use tests::{TestApp, both_backends};

both_backends!(
    an_upsert_creates_then_updates_by_sku,
    upserts_are_for_admins_and_check_every_field,
    a_bulk_upsert_is_one_transaction_with_an_outcome_per_row,
    concurrent_upserts_of_one_sku_create_it_once
);

const ONE: &str = "mutation($input: UpsertProductInput!) {
    upsertProduct(input: $input) { outcome product { id sku slug name category priceCents stock } }
}";

const MANY: &str = "mutation($inputs: [UpsertProductInput!]!) {
    upsertProducts(inputs: $inputs) { outcome product { id sku name priceCents stock } }
}";

fn input(sku: &str, name: &str, price: i64, stock: Option<i64>) -> Value {
    let mut input = json!({
        "sku": sku, "slug": sku.to_lowercase(), "name": name, "category": "kitchen",
        "priceCents": price,
    });
    if let Some(stock) = stock {
        input["stock"] = json!(stock);
    }
    input
}

async fn products(app: &TestApp) -> Value {
    app.data(
        "{ products(first: 100) { totalCount nodes { sku slug name priceCents stock } } }",
        json!({}),
    )
    .await["products"]
        .clone()
}

async fn an_upsert_creates_then_updates_by_sku(app: TestApp) {
    let created = app
        .data(ONE, json!({ "input": input("MUG-1", "Mug", 1_000, None) }))
        .await;
    let created = &created["upsertProduct"];
    assert_eq!(created["outcome"], "CREATED");
    assert_eq!(
        created["product"]["stock"], 0,
        "a new product without stock has none"
    );
    assert_eq!(created["product"]["slug"], "mug-1");

    let changed = json!({
        "sku": "MUG-1", "slug": "another-slug", "name": "Big mug", "category": "home",
        "priceCents": 1_200, "stock": 30,
    });
    let (updated, statements) = app
        .count_statements(app.data(ONE, json!({ "input": changed })))
        .await;
    let updated = &updated["upsertProduct"];
    assert_eq!(updated["outcome"], "UPDATED");
    assert_eq!(updated["product"]["id"], created["product"]["id"]);
    assert_eq!(
        updated["product"],
        json!({
            "id": created["product"]["id"], "sku": "MUG-1", "slug": "mug-1", "name": "Big mug",
            "category": "home", "priceCents": 1_200, "stock": 30,
        }),
        "name, category, price and stock change; the slug stays"
    );
    // The one INSERT … ON CONFLICT … RETURNING (the transaction's BEGIN and COMMIT aside).
    assert_eq!(statements, 1);

    // Without stock, the stock stays.
    let kept = app
        .data(ONE, json!({ "input": input("MUG-1", "Mug", 900, None) }))
        .await;
    assert_eq!(kept["upsertProduct"]["product"]["stock"], 30);
    assert_eq!(kept["upsertProduct"]["outcome"], "UPDATED");
    assert_eq!(products(&app).await["totalCount"], 1);
}

async fn upserts_are_for_admins_and_check_every_field(app: TestApp) {
    let (_, token) = app.signup("ada@example.com", "Ada").await;
    let body = app
        .graphql_as(
            Some(&token),
            ONE,
            json!({ "input": input("MUG-1", "Mug", 1_000, None) }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let body = app
        .graphql_as(
            None,
            ONE,
            json!({ "input": input("MUG-1", "Mug", 1_000, None) }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    for (bad, field) in [
        (input("", "Mug", 1_000, None), "sku"),
        (input(&"S".repeat(65), "Mug", 1_000, None), "sku"),
        (input("MUG-1", "   ", 1_000, None), "name"),
        (input("MUG-1", "Mug", 0, None), "priceCents"),
        (input("MUG-1", "Mug", 1_000, Some(-1)), "stock"),
        (input("MUG-1", "Mug", 1_000, Some(1_000_000_001)), "stock"),
        (
            json!({ "sku": "MUG-1", "slug": "Not A Slug", "name": "Mug", "category": "k", "priceCents": 1 }),
            "slug",
        ),
    ] {
        let error = app.error(ONE, json!({ "input": bad })).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{bad}");
        assert_eq!(error["extensions"]["field"], field, "{bad}");
    }
    assert_eq!(products(&app).await["totalCount"], 0);

    // A new product's slug must be free.
    app.data(ONE, json!({ "input": input("MUG-1", "Mug", 1_000, None) }))
        .await;
    let taken =
        json!({ "sku": "MUG-2", "slug": "mug-1", "name": "Mug", "category": "k", "priceCents": 1 });
    let error = app.error(ONE, json!({ "input": taken })).await;
    assert_eq!(error["extensions"]["code"], "CONFLICT");
    assert_eq!(error["extensions"]["field"], "slug");
}

async fn a_bulk_upsert_is_one_transaction_with_an_outcome_per_row(app: TestApp) {
    app.data(ONE, json!({ "input": input("B", "Bowl", 500, Some(5)) }))
        .await;
    let inputs = json!([
        input("A", "Apron", 2_000, Some(3)),
        input("B", "Bowl v2", 600, None),
        input("C", "Cup", 300, None),
    ]);
    let written = app.data(MANY, json!({ "inputs": inputs })).await;
    let rows = written["upsertProducts"].as_array().expect("a list");
    let outcomes: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["product"]["sku"].as_str().expect("sku"),
                r["outcome"].as_str().expect("outcome"),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [("A", "CREATED"), ("B", "UPDATED"), ("C", "CREATED")],
        "in the inputs' order"
    );
    assert_eq!(rows[1]["product"]["stock"], 5, "B keeps its stock");
    assert_eq!(rows[1]["product"]["name"], "Bowl v2");
    assert_eq!(rows[0]["product"]["stock"], 3);

    // One bad row refuses the whole call, named by its place.
    let before = products(&app).await;
    let inputs = json!([
        input("D", "Dish", 100, None),
        input("E", "Egg cup", 0, None)
    ]);
    let error = app.error(MANY, json!({ "inputs": inputs })).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "inputs[1].priceCents");
    let twice = json!([input("D", "Dish", 100, None), input("D", "Dish", 100, None)]);
    let error = app.error(MANY, json!({ "inputs": twice })).await;
    assert_eq!(error["extensions"]["field"], "inputs[1].sku");
    // A slug taken by another product fails the transaction: D is not written either.
    let clash = json!([
        input("D", "Dish", 100, None),
        { "sku": "F", "slug": "a", "name": "Fork", "category": "k", "priceCents": 1 },
    ]);
    let error = app.error(MANY, json!({ "inputs": clash })).await;
    assert_eq!(error["extensions"]["code"], "CONFLICT");
    assert_eq!(
        products(&app).await,
        before,
        "nothing of a refused call was written"
    );

    let too_many: Vec<Value> = (0..501)
        .map(|i| input(&format!("SKU-{i}"), "Thing", 100, None))
        .collect();
    let error = app.error(MANY, json!({ "inputs": too_many })).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "inputs");
    let none = app.error(MANY, json!({ "inputs": [] })).await;
    assert_eq!(none["extensions"]["field"], "inputs");

    let full: Vec<Value> = (0..500)
        .map(|i| input(&format!("SKU-{i}"), "Thing", 100 + i, Some(i)))
        .collect();
    let (written, statements) = app
        .count_statements(app.data(MANY, json!({ "inputs": full })))
        .await;
    assert_eq!(
        written["upsertProducts"].as_array().expect("a list").len(),
        500
    );
    assert_eq!(statements, 1, "one statement for 500 products");
    assert_eq!(products(&app).await["totalCount"], 503);
}

async fn concurrent_upserts_of_one_sku_create_it_once(app: TestApp) {
    let results = futures_util::future::join_all((0..16).map(|i| {
        let app = &app;
        async move {
            app.data(
                ONE,
                json!({ "input": input("HOT", "Hot item", 100 + i, Some(i)) }),
            )
            .await
        }
    }))
    .await;
    let created = results
        .iter()
        .filter(|r| r["upsertProduct"]["outcome"] == "CREATED")
        .count();
    assert_eq!(created, 1, "exactly one request created it");
    let ids: std::collections::BTreeSet<String> = results
        .iter()
        .map(|r| r["upsertProduct"]["product"]["id"].to_string())
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(products(&app).await["totalCount"], 1);
}
