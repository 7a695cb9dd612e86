//! Single-row lookups.

use serde_json::json;
use tests::{CREATE_ORDER, Kind, TestApp, both_backends, gid};

both_backends!(
    looks_up_every_kind,
    product_by_id_or_slug,
    global_ids_find_any_object_and_refuse_foreign_ones
);

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
                missing: user(id: \"VXNlcjo0MjQyNDI\") { id }
            }",
            json!({ "u": ada, "p": post, "o": gid(Kind::Order, order) }),
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
    assert_eq!(by_slug["product"]["id"], gid(Kind::Product, id));
    assert_eq!(by_slug["product"]["priceCents"], 990);
    let by_id = app
        .data(
            "query($id: ID!) { product(by: { id: $id }) { slug } }",
            json!({ "id": gid(Kind::Product, id) }),
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

/// Relay's Global Object Identification: ids unique across types, `node` and `nodes` find any
/// object by them with its type's visibility, and an id of another type or a malformed one is
/// BAD_USER_INPUT wherever an id is taken.
async fn global_ids_find_any_object_and_refuse_foreign_ones(app: TestApp) {
    let (ada, ada_token) = app.signup("ada@example.com", "Ada").await;
    let (_, bob_token) = app.signup("bob@example.com", "Bob").await;
    let draft = app.create_post(&ada, "Draft", false).await;
    let mug = app.create_product("mug", "kitchen", 1_250, 10).await;
    let order = gid(Kind::Order, app.create_order(&ada, &[(mug, 2)]).await);
    let product = gid(Kind::Product, mug);

    // Row 1 of two tables: two different ids; `databaseId` is the row number.
    let data = app
        .data(
            "query($p: ID!) { node(id: $p) { __typename id ... on Product { databaseId slug } } }",
            json!({ "p": product }),
        )
        .await;
    assert_eq!(
        data["node"],
        json!({ "__typename": "Product", "id": product, "databaseId": mug, "slug": "mug" })
    );
    assert_ne!(gid(Kind::Product, 1), gid(Kind::User, 1));

    // The order and its item, the draft and the ledger: their owner sees them, others not.
    let query = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }";
    let items = app
        .graphql_as(
            Some(&ada_token),
            "query($o: ID!) { order(id: $o) { items { id } } me { pointTransactions { nodes { id } } } }",
            json!({ "o": order }),
        )
        .await;
    let item = items["data"]["order"]["items"][0]["id"].clone();
    let entry = items["data"]["me"]["pointTransactions"]["nodes"][0]["id"].clone();
    let ids = json!({ "ids": [order, item, draft, entry, ada] });
    let for_ada = app.graphql_as(Some(&ada_token), query, ids.clone()).await;
    let kinds: Vec<&str> = for_ada["data"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["__typename"].as_str().unwrap_or("null"))
        .collect();
    assert_eq!(
        kinds,
        ["Order", "OrderItem", "Post", "PointTransaction", "User"],
        "{for_ada}"
    );
    let for_bob = app.graphql_as(Some(&bob_token), query, ids).await;
    assert_eq!(
        for_bob["data"]["nodes"],
        json!([null, null, null, null, { "__typename": "User", "id": ada }]),
        "{for_bob}"
    );

    // A user's id where a product's is expected, a bare row number, junk: BAD_USER_INPUT at
    // the field, the rest of the response answered.
    for bad in [ada.as_str(), "1", "not an id", ""] {
        let body = app
            .graphql(
                "query($id: ID!) { product(by: { id: $id }) { id } products(first: 1) { totalCount } }",
                json!({ "id": bad }),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{bad}: {body}"
        );
        assert_eq!(body["errors"][0]["path"], json!(["product"]), "{body}");
        assert!(body["data"]["product"].is_null(), "{body}");
        assert_eq!(body["data"]["products"]["totalCount"], 1, "{body}");
    }
    let body = app
        .graphql(CREATE_ORDER, TestApp::order_input(&ada, &[]))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    let wrong_type = json!({ "input": { "customerId": product, "items": [{ "productId": product, "quantity": 1 }] } });
    let body = app.graphql(CREATE_ORDER, wrong_type).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "customerId",
        "{body}"
    );
    let body = app
        .graphql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [product, "nope"] }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    let too_many: Vec<String> = (1..=101).map(|i| gid(Kind::Product, i)).collect();
    let body = app
        .graphql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": too_many }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
}
