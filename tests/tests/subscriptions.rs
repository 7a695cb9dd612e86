//! Subscriptions over graphql-transport-ws: who receives which order events.

use serde_json::{Value, json};
use std::time::Duration;
use tests::{
    Backend, Heard, Kind, TestApp, WsClient, both_backends, db_id, gid, on_each_backend, spawn_app,
    spawn_second_instance,
};

both_backends!(
    subscribers_see_exactly_what_they_may,
    subscriptions_need_valid_credentials
);

on_each_backend!(subscriptions_end_when_their_rights_end, sockets_are_bounded);

const CREATED: &str = "subscription { orderCreated { id totalCents customer { name } } }";
const CHANGED: &str = "subscription($id: ID!) { orderStatusChanged(orderId: $id) { id status } }";

async fn order_as(app: &TestApp, token: &str, product: i32) -> String {
    let body = app
        .graphql_as(
            Some(token),
            "mutation($p: ID!) { createOrder(input: { items: [{ productId: $p, quantity: 1 }] }) { id } }",
            json!({ "p": gid(Kind::Product, product) }),
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
        .json(&json!({ "query": "mutation($p: ID!) { createOrder(input: { items: [{ productId: $p, quantity: 2 }] }) { id } }", "variables": { "p": gid(Kind::Product, mug) } }))
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

/// Waits out the principal cache (1 s in these tests) and then some.
const PAST_THE_CACHE: Duration = Duration::from_millis(1_300);

/// The socket must close with 4403 and send nothing before.
async fn closed_forbidden(socket: &mut WsClient, what: &str) {
    match socket.hear(Duration::from_secs(4)).await {
        Heard::Closed(Some(4403)) => {}
        other => panic!("{what}: expected a 4403 close, got {other:?}"),
    }
}

async fn subscriptions_end_when_their_rights_end(backend: Backend) {
    let mut app = tests::spawn_app_with(backend, &["--auth-cache-secs", "1"]).await;
    let mug = app.create_product("mug", "kitchen", 1_000, 100).await;

    // An admin whose role is revoked hears no other customer's order again.
    let (boss, boss_token) = app.signup("boss@example.com", "Boss").await;
    app.data(
        "mutation($u: ID!) { grantRole(userId: $u, role: ADMIN) { id } }",
        json!({ "u": boss }),
    )
    .await;
    // A customer who is deactivated hears nothing more of their own order.
    let (carol, carol_token) = app.signup("carol@example.com", "Carol").await;
    let carols = order_as(&app, &carol_token, mug).await;
    tokio::time::sleep(PAST_THE_CACHE).await;
    let mut former_admin = WsClient::connect(app.address, Some(&boss_token))
        .await
        .expect("connects");
    former_admin.subscribe("1", CREATED, json!({})).await;
    let mut deactivated = WsClient::connect(app.address, Some(&carol_token))
        .await
        .expect("connects");
    deactivated
        .subscribe("1", CHANGED, json!({ "id": carols }))
        .await;
    // A token that expires in two seconds.
    let (dave, _) = app.signup("dave@example.com", "Dave").await;
    let keys =
        api::auth::token::TokenKeys::new(tests::JWT_SECRET.as_bytes(), Duration::from_secs(60));
    let now = chrono::Utc::now().timestamp() as u64;
    let short = keys.issue_at(db_id(&dave), now, now + 2).unwrap();
    let mut expiring = WsClient::connect(app.address, Some(&short))
        .await
        .expect("connects");
    expiring.subscribe("1", CREATED, json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    app.data(
        "mutation($u: ID!) { revokeRole(userId: $u, role: ADMIN) { id } }",
        json!({ "u": boss }),
    )
    .await;
    app.data(
        "mutation($u: ID!) { updateUser(id: $u, input: { status: INACTIVE }) { id } }",
        json!({ "u": carol }),
    )
    .await;
    tokio::time::sleep(PAST_THE_CACHE.max(Duration::from_millis(2_100))).await;
    // Events each of them would have received.
    app.data(
        "mutation($c: ID!, $p: ID!) { createOrder(input: { customerId: $c, items: [{ productId: $p, quantity: 1 }] }) { id } }",
        json!({ "c": dave, "p": gid(Kind::Product, mug) }),
    )
    .await;
    app.data(
        "mutation($id: ID!) { updateOrderStatus(id: $id, status: PAID) { id } }",
        json!({ "id": carols }),
    )
    .await;
    closed_forbidden(&mut former_admin, "revoked admin").await;
    closed_forbidden(&mut deactivated, "deactivated customer").await;
    closed_forbidden(&mut expiring, "expired token").await;

    // A deleted account's socket closes too; one whose rights hold goes on until shutdown,
    // and then hears 1001.
    let (erin, erin_token) = app.signup("erin@example.com", "Erin").await;
    let mut deleted = WsClient::connect(app.address, Some(&erin_token))
        .await
        .expect("connects");
    deleted.subscribe("1", CREATED, json!({})).await;
    let mut kept = WsClient::connect(app.address, Some(&app.admin_token))
        .await
        .expect("connects");
    kept.subscribe("1", CREATED, json!({})).await;
    app.data(
        "mutation($u: ID!) { deleteUser(id: $u) }",
        json!({ "u": erin }),
    )
    .await;
    closed_forbidden(&mut deleted, "deleted account").await;
    assert!(matches!(
        kept.hear(Duration::from_millis(200)).await,
        Heard::Silence
    ));
    app.restart(&["--auth-cache-secs", "1"]).await;
    match kept.hear(Duration::from_secs(5)).await {
        Heard::Closed(Some(1001)) => {}
        other => panic!("at shutdown: {other:?}"),
    }
}

async fn sockets_are_bounded(backend: Backend) {
    let app = tests::spawn_app_with(
        backend,
        &["--ws-init-timeout-secs", "1", "--ws-max-subscriptions", "2"],
    )
    .await;
    // No connection_init: closed with 4408.
    let mut silent = WsClient::open(app.address).await;
    match silent.hear(Duration::from_secs(4)).await {
        Heard::Closed(Some(4408)) => {}
        other => panic!("no init: {other:?}"),
    }
    // Two subscriptions at once; a third is refused for its id; after one completes there
    // is room again; an id already running closes the socket (4409).
    let mut socket = WsClient::connect(app.address, Some(&app.admin_token))
        .await
        .expect("connects");
    socket.subscribe("1", CREATED, json!({})).await;
    socket.subscribe("2", CREATED, json!({})).await;
    socket.subscribe("3", CREATED, json!({})).await;
    match socket.hear(Duration::from_secs(2)).await {
        Heard::Message(m) => {
            assert_eq!(m["type"], "error", "{m}");
            assert_eq!(m["id"], "3");
            assert_eq!(
                m["payload"][0]["extensions"]["code"], "TOO_MANY_SUBSCRIPTIONS",
                "{m}"
            );
        }
        other => panic!("third subscription: {other:?}"),
    }
    socket
        .send_message(json!({ "id": "1", "type": "complete" }))
        .await;
    socket.subscribe("3", CREATED, json!({})).await;
    loop {
        match socket.hear(Duration::from_millis(300)).await {
            // async-graphql confirms a completion the client asked for.
            Heard::Message(m) if m["type"] == "complete" && m["id"] == "1" => continue,
            Heard::Silence => break,
            other => panic!("room again for a second subscription: {other:?}"),
        }
    }
    socket.subscribe("2", CREATED, json!({})).await;
    match socket.hear(Duration::from_secs(2)).await {
        Heard::Closed(Some(4409)) => {}
        other => panic!("a running id again: {other:?}"),
    }
}
