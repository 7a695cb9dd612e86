//! Single-row lookups.

use serde_json::json;
use tests::{TestApp, both_backends};

both_backends!(looks_up_every_kind, product_by_id_or_slug);

async fn looks_up_every_kind(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    let post = app.create_post(&ada, "Hello", true).await;
    let mug = app.create_product("mug", "kitchen", 1_250, 10).await;
    let order = app.create_order(&ada, &[(mug, 2), (mug, 1)]).await;
    let data = app
        .data(
            "query($u: ID!, $p: ID!, $o: ID!) {
                user(id: $u) { name }
                post(id: $p) { title author { name } }
                order(id: $o) { status totalCents itemCount customer { name }
                    items { quantity unitPriceCents lineTotalCents product { slug } } }
                missing: user(id: \"424242\") { id }
            }",
            json!({ "u": ada, "p": post, "o": order.to_string() }),
        )
        .await;
    assert_eq!(data["user"]["name"], "Ada");
    assert_eq!(data["post"]["author"]["name"], "Ada");
    let order = &data["order"];
    assert_eq!(order["status"], "PENDING");
    assert_eq!(
        order["totalCents"], 3_750,
        "3 × 1250 cents, repeated lines merged"
    );
    assert_eq!(order["itemCount"], 3);
    assert_eq!(order["items"].as_array().unwrap().len(), 1);
    assert_eq!(order["items"][0]["lineTotalCents"], 3_750);
    assert_eq!(order["items"][0]["product"]["slug"], "mug");
    assert_eq!(order["customer"]["name"], "Ada");
    assert!(data["missing"].is_null());
}

async fn product_by_id_or_slug(app: TestApp) {
    let id = app.create_product("red-mug", "kitchen", 990, 3).await;
    let by_slug = app
        .data(
            "{ product(by: { slug: \"red-mug\" }) { id priceCents stock } }",
            json!({}),
        )
        .await;
    assert_eq!(by_slug["product"]["id"], id.to_string());
    assert_eq!(by_slug["product"]["priceCents"], 990);
    let by_id = app
        .data(
            "query($id: ID!) { product(by: { id: $id }) { slug } }",
            json!({ "id": id.to_string() }),
        )
        .await;
    assert_eq!(by_id["product"]["slug"], "red-mug");
    for query in [
        "{ product { id } }",
        "{ product(by: { id: \"1\", slug: \"red-mug\" }) { id } }",
    ] {
        // `by` is a required @oneOf input: the document does not validate.
        assert_eq!(
            app.error_code(query, json!({})).await,
            "GRAPHQL_VALIDATION_FAILED"
        );
    }
    let none = app
        .data("{ product(by: { slug: \"nope\" }) { id } }", json!({}))
        .await;
    assert!(none["product"].is_null());
}
