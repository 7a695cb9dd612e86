//! The catalog, placing orders, the status machine, cancellations and deletions.

use serde_json::{Value, json};
use tests::{CREATE_ORDER, Kind, TestApp, both_backends, db_id, gid};

both_backends!(
    catalog_mutations_validate_and_conflict,
    orders_are_priced_from_the_catalog,
    order_errors_name_what_is_wrong,
    status_machine_allows_only_its_transitions,
    cancelling_restores_stock_and_points,
    cancelling_never_takes_a_balance_below_zero,
    only_pending_or_cancelled_orders_can_be_deleted,
    spending_and_order_lists_per_customer,
);

const CREATE_PRODUCT: &str = "mutation($p: CreateProductInput!) { createProduct(input: $p) { id sku slug priceCents stock } }";

fn product(sku: &str, slug: &str, price: i64) -> Value {
    json!({ "p": { "sku": sku, "slug": slug, "name": "Mug", "category": "kitchen", "priceCents": price, "stock": 3 } })
}

async fn stock_of(app: &TestApp, id: i32) -> i64 {
    let data = app
        .data(
            "query($id: ID!) { product(by: { id: $id }) { stock } }",
            json!({ "id": gid(Kind::Product, id) }),
        )
        .await;
    data["product"]["stock"].as_i64().unwrap()
}

async fn user_points(app: &TestApp, id: &str) -> Value {
    app.data(
        "query($id: ID!) { user(id: $id) { pointsBalance lifetimePoints tier totalSpentCents
            pointTransactions(first: 50) { totalCount nodes { kind points order { id } } } } }",
        json!({ "id": id }),
    )
    .await["user"]
        .clone()
}

async fn set_status(app: &TestApp, order: i32, status: &str) -> Value {
    app.graphql(
        "mutation($id: ID!, $s: OrderStatus!) { updateOrderStatus(id: $id, status: $s) { status updatedAt pointsUnreversed } }",
        json!({ "id": gid(Kind::Order, order), "s": status }),
    )
    .await
}

async fn catalog_mutations_validate_and_conflict(app: TestApp) {
    let created = app
        .data(CREATE_PRODUCT, product("MUG-1", "mug", 1_250))
        .await;
    let id = created["createProduct"]["id"].as_str().unwrap().to_owned();
    for (variables, code, field) in [
        (product("MUG-1", "other", 100), "CONFLICT", "sku"),
        (product("MUG-2", "mug", 100), "CONFLICT", "slug"),
        (product("MUG-3", "Bad Slug", 100), "BAD_USER_INPUT", "slug"),
        (product("MUG-4", "free", 0), "BAD_USER_INPUT", "priceCents"),
    ] {
        let error = app.error(CREATE_PRODUCT, variables).await;
        assert_eq!(error["extensions"]["code"], code, "{error}");
        assert_eq!(error["extensions"]["field"], field, "{error}");
    }

    let updated = app
        .data(
            "mutation($id: ID!) { updateProduct(id: $id, input: { priceCents: 1500, name: \"Big mug\" }) { name priceCents sku } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        updated["updateProduct"],
        json!({ "name": "Big mug", "priceCents": 1500, "sku": "MUG-1" })
    );
    let error = app
        .error(
            "mutation($id: ID!) { updateProduct(id: $id, input: { priceCents: -5 }) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error["extensions"]["field"], "priceCents");

    let adjust =
        "mutation($id: ID!, $d: Int!) { adjustStock(productId: $id, delta: $d) { stock } }";
    assert_eq!(
        app.data(adjust, json!({ "id": id, "d": 7 })).await["adjustStock"]["stock"],
        10
    );
    let error = app.error(adjust, json!({ "id": id, "d": -11 })).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "delta");
    assert_eq!(
        stock_of(&app, db_id(&id)).await,
        10,
        "refused change left stock alone"
    );
    assert_eq!(
        app.data(adjust, json!({ "id": id, "d": -10 })).await["adjustStock"]["stock"],
        0
    );

    // An ordered product is kept; an unordered one can go.
    app.data(adjust, json!({ "id": id, "d": 5 })).await;
    let ada = app.create_user("ada@example.com", "Ada").await;
    app.create_order(&ada, &[(db_id(&id), 1)]).await;
    let error = app
        .error(
            "mutation($id: ID!) { deleteProduct(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "CONFLICT", "{error}");
    let spare = app.create_product("spare", "kitchen", 100, 1).await;
    let deleted = app
        .data(
            "mutation($id: ID!) { deleteProduct(id: $id) }",
            json!({ "id": gid(Kind::Product, spare) }),
        )
        .await;
    assert_eq!(deleted["deleteProduct"], gid(Kind::Product, spare));
}

async fn orders_are_priced_from_the_catalog(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    let mug = app.create_product("mug", "kitchen", 1_250, 10).await;
    let tea = app.create_product("tea", "pantry", 399, 100).await;
    let order = app
        .data(
            "mutation($input: CreateOrderInput!) { createOrder(input: $input) {
                id status totalCents pointsEarned itemCount customer { name }
                items { quantity unitPriceCents lineTotalCents product { slug } } } }",
            TestApp::order_input(&ada, &[(mug, 2), (tea, 3), (mug, 1)]),
        )
        .await;
    let order = &order["createOrder"];
    assert_eq!(order["status"], "PENDING");
    assert_eq!(order["totalCents"], 3 * 1_250 + 3 * 399);
    assert_eq!(order["itemCount"], 6);
    assert_eq!(
        order["items"].as_array().unwrap().len(),
        2,
        "repeated products merged"
    );
    assert_eq!(order["items"][0]["unitPriceCents"], 1_250);
    // 49.47 → 49 whole units, bronze ×1.0.
    assert_eq!(order["pointsEarned"], 49);
    assert_eq!(stock_of(&app, mug).await, 7);
    assert_eq!(stock_of(&app, tea).await, 97);

    // A later price change does not touch the order.
    app.data(
        "mutation($id: ID!) { updateProduct(id: $id, input: { priceCents: 9999 }) { id } }",
        json!({ "id": gid(Kind::Product, mug) }),
    )
    .await;
    let id = order["id"].as_str().unwrap();
    let again = app
        .data(
            "query($id: ID!) { order(id: $id) { totalCents items { unitPriceCents } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(again["order"]["totalCents"], 3 * 1_250 + 3 * 399);
    assert_eq!(again["order"]["items"][0]["unitPriceCents"], 1_250);

    let points = user_points(&app, &ada).await;
    assert_eq!(points["pointsBalance"], 49);
    assert_eq!(points["pointTransactions"]["nodes"][0]["kind"], "EARN");
    assert_eq!(points["pointTransactions"]["nodes"][0]["order"]["id"], id);
}

async fn order_errors_name_what_is_wrong(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    let mug = app.create_product("mug", "kitchen", 1_000, 2).await;

    let error = app
        .error(CREATE_ORDER, TestApp::order_input(&ada, &[(mug, 3)]))
        .await;
    assert_eq!(error["extensions"]["code"], "OUT_OF_STOCK", "{error}");
    assert_eq!(error["extensions"]["productId"], gid(Kind::Product, mug));
    assert_eq!(error["extensions"]["requested"], 3);
    assert_eq!(error["extensions"]["available"], 2);

    // Every line's stock is taken in one statement: when one product is short, the first short
    // one (by id) is named, and nothing is taken from the others.
    let tea = app.create_product("tea", "pantry", 399, 5).await;
    let cup = app.create_product("cup", "kitchen", 500, 1).await;
    let error = app
        .error(
            CREATE_ORDER,
            TestApp::order_input(&ada, &[(cup, 2), (tea, 2), (mug, 3)]),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "OUT_OF_STOCK", "{error}");
    assert_eq!(error["extensions"]["productId"], gid(Kind::Product, mug));
    assert_eq!(error["extensions"]["available"], 2);
    assert_eq!(stock_of(&app, tea).await, 5);
    assert_eq!(stock_of(&app, cup).await, 1);
    assert_eq!(stock_of(&app, mug).await, 2);

    let error = app
        .error(
            CREATE_ORDER,
            TestApp::order_input(&ada, &[(mug, 1), (424242, 1)]),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(error["extensions"]["entity"], "Product");
    assert_eq!(error["extensions"]["id"], gid(Kind::Product, 424242));

    let error = app
        .error(
            CREATE_ORDER,
            TestApp::order_input(&gid(Kind::User, 999), &[(mug, 1)]),
        )
        .await;
    assert_eq!(error["extensions"]["entity"], "User");

    for (lines, field) in [
        (vec![], "items"),
        (vec![(mug, 0)], "items[0].quantity"),
        (vec![(mug, 1001)], "items[0].quantity"),
    ] {
        let error = app
            .error(CREATE_ORDER, TestApp::order_input(&ada, &lines))
            .await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
        assert_eq!(error["extensions"]["field"], field);
    }

    app.data(
        "mutation($id: ID!) { updateUser(id: $id, input: { status: INACTIVE }) { id } }",
        json!({ "id": ada }),
    )
    .await;
    let error = app
        .error(CREATE_ORDER, TestApp::order_input(&ada, &[(mug, 1)]))
        .await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");

    assert_eq!(stock_of(&app, mug).await, 2, "no failed order took stock");
    assert_eq!(
        app.data("{ orders { totalCount } }", json!({})).await["orders"]["totalCount"],
        0
    );
}

async fn status_machine_allows_only_its_transitions(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    let mug = app.create_product("mug", "kitchen", 1_000, 10).await;
    let order = app.create_order(&ada, &[(mug, 1)]).await;

    let error = set_status(&app, order, "SHIPPED").await;
    assert_eq!(
        error["errors"][0]["extensions"]["code"], "INVALID_TRANSITION",
        "{error}"
    );
    assert_eq!(error["errors"][0]["extensions"]["from"], "PENDING");
    assert_eq!(error["errors"][0]["extensions"]["to"], "SHIPPED");

    let mut updated_at = String::new();
    for status in ["PAID", "SHIPPED", "DELIVERED"] {
        let body = set_status(&app, order, status).await;
        assert!(body.get("errors").is_none(), "{body}");
        let now = body["data"]["updateOrderStatus"]["updatedAt"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(body["data"]["updateOrderStatus"]["status"], status);
        assert!(now > updated_at, "updatedAt moves on every change");
        updated_at = now;
    }
    for status in ["CANCELLED", "PAID", "PENDING", "DELIVERED"] {
        let body = set_status(&app, order, status).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "INVALID_TRANSITION",
            "{status}: {body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["from"], "DELIVERED");
    }
    let error = app
        .error_code(
            "mutation { cancelOrder(id: \"T3JkZXI6NDI0Mg\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error, "NOT_FOUND");
}

async fn cancelling_restores_stock_and_points(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    let mug = app.create_product("mug", "kitchen", 2_500, 10).await;
    let order = app.create_order(&ada, &[(mug, 4)]).await;
    assert_eq!(user_points(&app, &ada).await["pointsBalance"], 100);
    assert_eq!(
        set_status(&app, order, "PAID").await["data"]["updateOrderStatus"]["status"],
        "PAID"
    );

    let body = app
        .data(
            "mutation($id: ID!) { cancelOrder(id: $id) { status pointsEarned pointsUnreversed } }",
            json!({ "id": gid(Kind::Order, order) }),
        )
        .await;
    assert_eq!(
        body["cancelOrder"],
        json!({ "status": "CANCELLED", "pointsEarned": 100, "pointsUnreversed": 0 })
    );
    assert_eq!(stock_of(&app, mug).await, 10);
    let points = user_points(&app, &ada).await;
    assert_eq!(points["pointsBalance"], 0);
    assert_eq!(points["lifetimePoints"], 0);
    assert_eq!(
        points["totalSpentCents"], 0,
        "cancelled orders are not spending"
    );
    let kinds: Vec<(&str, i64)> = points["pointTransactions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["kind"].as_str().unwrap(), t["points"].as_i64().unwrap()))
        .collect();
    assert_eq!(kinds.len(), 2);
    assert!(
        kinds.contains(&("EARN", 100)) && kinds.contains(&("ADJUST", -100)),
        "{kinds:?}"
    );
    app.assert_ledger_consistent().await;
}

async fn cancelling_never_takes_a_balance_below_zero(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    let bob = app.create_user("bob@example.com", "Bob").await;
    let mug = app.create_product("mug", "kitchen", 10_000, 10).await;
    let order = app.create_order(&ada, &[(mug, 1)]).await; // 100 points
    app.data(
        "mutation($a: ID!, $b: ID!) { transferPoints(fromUserId: $a, toUserId: $b, points: 70) { from { pointsBalance } } }",
        json!({ "a": ada, "b": bob }),
    )
    .await;
    let body = app
        .data(
            "mutation($id: ID!) { cancelOrder(id: $id) { pointsUnreversed } }",
            json!({ "id": gid(Kind::Order, order) }),
        )
        .await;
    assert_eq!(
        body["cancelOrder"]["pointsUnreversed"], 70,
        "70 were already given away"
    );
    let points = user_points(&app, &ada).await;
    assert_eq!(points["pointsBalance"], 0);
    app.assert_ledger_consistent().await;
}

async fn only_pending_or_cancelled_orders_can_be_deleted(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    let mug = app.create_product("mug", "kitchen", 1_000, 10).await;
    let delete = "mutation($id: ID!) { deleteOrder(id: $id) }";

    let pending = app.create_order(&ada, &[(mug, 2)]).await;
    assert_eq!(stock_of(&app, mug).await, 8);
    app.data(delete, json!({ "id": gid(Kind::Order, pending) }))
        .await;
    assert_eq!(
        stock_of(&app, mug).await,
        10,
        "a deleted pending order gives its stock back"
    );
    assert!(
        app.data(
            "query($id: ID!) { order(id: $id) { id } }",
            json!({ "id": gid(Kind::Order, pending) })
        )
        .await["order"]
            .is_null()
    );
    assert_eq!(user_points(&app, &ada).await["pointsBalance"], 0);

    let paid = app.create_order(&ada, &[(mug, 1)]).await;
    set_status(&app, paid, "PAID").await;
    let error = app
        .error(delete, json!({ "id": gid(Kind::Order, paid) }))
        .await;
    assert_eq!(error["extensions"]["code"], "CONFLICT", "{error}");

    let cancelled = app.create_order(&ada, &[(mug, 1)]).await;
    set_status(&app, cancelled, "CANCELLED").await;
    app.data(delete, json!({ "id": gid(Kind::Order, cancelled) }))
        .await;
    assert_eq!(
        stock_of(&app, mug).await,
        9,
        "only the paid order still holds stock"
    );
    assert_eq!(
        app.data("{ orders { totalCount } }", json!({})).await["orders"]["totalCount"],
        1
    );
    app.assert_ledger_consistent().await;
}

async fn spending_and_order_lists_per_customer(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    let bob = app.create_user("bob@example.com", "Bob").await;
    let mug = app.create_product("mug", "kitchen", 1_000, 100).await;
    let first = app.create_order(&ada, &[(mug, 1)]).await;
    app.create_order(&ada, &[(mug, 2)]).await;
    let third = app.create_order(&ada, &[(mug, 4)]).await;
    app.create_order(&bob, &[(mug, 8)]).await;
    set_status(&app, first, "PAID").await;
    set_status(&app, third, "CANCELLED").await;
    let data = app
        .data(
            "{ users(filter: { email: { contains: \"@example.com\" } }) { nodes { name totalSpentCents
                paid: orders(filter: { status: { eq: PAID } }) { totalCount nodes { totalCents } }
                orders(first: 2) { totalCount pageInfo { hasNextPage } nodes { totalCents itemCount } } } } }",
            json!({}),
        )
        .await;
    let users = data["users"]["nodes"].as_array().unwrap();
    assert_eq!(users[0]["totalSpentCents"], 3_000);
    assert_eq!(users[1]["totalSpentCents"], 8_000);
    assert_eq!(users[0]["paid"]["totalCount"], 1);
    assert_eq!(users[0]["orders"]["totalCount"], 3);
    assert_eq!(users[0]["orders"]["pageInfo"]["hasNextPage"], true);
    // Newest first.
    assert_eq!(users[0]["orders"]["nodes"][0]["itemCount"], 4);
}
