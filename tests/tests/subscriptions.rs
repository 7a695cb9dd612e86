//! Subscriptions over graphql-transport-ws: who receives which order events.

use serde_json::{Value, json};
use std::time::Duration;
use tests::{Backend, TestApp, WsClient, both_backends, spawn_app, spawn_second_instance};

both_backends!(
    subscribers_see_exactly_what_they_may,
    subscriptions_need_valid_credentials
);

const CREATED: &str = "subscription { orderCreated { id totalCents customer { name } } }";
const CHANGED: &str = "subscription($id: ID!) { orderStatusChanged(orderId: $id) { id status } }";

async fn order_as(app: &TestApp, token: &str, product: i32) -> String {
    let body = app
        .graphql_as(
            Some(token),
            "mutation($p: ID!) { createOrder(input: { items: [{ productId: $p, quantity: 1 }] }) { id } }",
            json!({ "p": product.to_string() }),
        )
        .await;
    body["data"]["createOrder"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("order failed: {body}"))
        .to_owned()
}

/// The error code of a refused subscription (sent as `next` with errors, or as `error`).
fn refusal_code(message: &Value) -> &str {
    message["payload"]["errors"][0]["extensions"]["code"]
        .as_str()
        .or_else(|| message["payload"][0]["extensions"]["code"].as_str())
        .unwrap_or_else(|| panic!("not a refusal: {message}"))
}

fn next_id(message: &Option<Value>, field: &str) -> String {
    let message = message.as_ref().expect("a message");
    assert_eq!(message["type"], "next", "{message}");
    message["payload"]["data"][field]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn subscribers_see_exactly_what_they_may(app: TestApp) {
    let (_, token_a) = app.signup("a@example.com", "A").await;
    let (_, token_b) = app.signup("b@example.com", "B").await;
    let mug = app.create_product("mug", "kitchen", 1_000, 100).await;

    let mut a = WsClient::connect(app.address, Some(&token_a))
        .await
        .expect("A connects");
    let mut admin = WsClient::connect(app.address, Some(&app.admin_token))
        .await
        .expect("admin connects");
    a.subscribe("1", CREATED, json!({})).await;
    admin.subscribe("1", CREATED, json!({})).await;
    // Give the server a moment to register both subscriptions before events flow.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let bs = order_as(&app, &token_b, mug).await;
    let as_ = order_as(&app, &token_a, mug).await;
    assert_eq!(
        next_id(&a.next().await, "orderCreated"),
        as_,
        "A sees only A's order"
    );
    assert_eq!(next_id(&admin.next().await, "orderCreated"), bs);
    assert_eq!(next_id(&admin.next().await, "orderCreated"), as_);

    // Status changes of one order: A may follow A's order, B may not.
    a.subscribe("2", CHANGED, json!({ "id": as_ })).await;
    let mut b = WsClient::connect(app.address, Some(&token_b))
        .await
        .expect("B connects");
    b.subscribe("1", CHANGED, json!({ "id": as_ })).await;
    let refused = b.next().await.expect("an answer");
    assert_eq!(refusal_code(&refused), "NOT_FOUND");
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.data(
        "mutation($id: ID!) { updateOrderStatus(id: $id, status: PAID) { id } }",
        json!({ "id": as_ }),
    )
    .await;
    let changed = a.next().await.expect("a status event");
    assert_eq!(
        changed["payload"]["data"]["orderStatusChanged"],
        json!({ "id": as_, "status": "PAID" }),
        "{changed}"
    );
    assert!(
        a.next_within(Duration::from_millis(300)).await.is_none(),
        "nothing else for A"
    );
}

async fn subscriptions_need_valid_credentials(app: TestApp) {
    let mut anonymous = WsClient::connect(app.address, None)
        .await
        .expect("anonymous connections are allowed");
    anonymous.subscribe("1", CREATED, json!({})).await;
    let refused = anonymous.next().await.expect("an answer");
    assert_eq!(refusal_code(&refused), "UNAUTHENTICATED");
    assert!(
        WsClient::connect(app.address, Some("forged.token.here"))
            .await
            .is_err(),
        "a forged token is refused"
    );
}

/// Two instances on one PostgreSQL database: a subscriber on the first hears of an order
/// placed through the second (LISTEN/NOTIFY).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(no_postgres, ignore = "TEST_DATABASE_URL is not set")]
async fn events_cross_instances_on_postgres() {
    let first = spawn_app(Backend::Postgres).await;
    let (second, _) = spawn_second_instance(&first).await;
    let mug = first.create_product("mug", "kitchen", 1_000, 10).await;
    let mut subscriber = WsClient::connect(first.address, Some(&first.admin_token))
        .await
        .expect("connects");
    subscriber.subscribe("1", CREATED, json!({})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let body: Value = first
        .client
        .post(format!("http://{second}/graphql"))
        .bearer_auth(&first.admin_token)
        .json(&json!({ "query": "mutation($p: ID!) { createOrder(input: { items: [{ productId: $p, quantity: 2 }] }) { id } }", "variables": { "p": mug.to_string() } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = body["data"]["createOrder"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let event = subscriber
        .next()
        .await
        .expect("the order placed on the other instance");
    assert_eq!(
        event["payload"]["data"]["orderCreated"]["id"], id,
        "{event}"
    );
    assert_eq!(
        event["payload"]["data"]["orderCreated"]["totalCents"],
        2_000
    );
    assert!(
        subscriber
            .next_within(Duration::from_millis(300))
            .await
            .is_none(),
        "delivered once"
    );
}
