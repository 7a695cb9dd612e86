//! Exactly-once writes: a request sent again with the same `Idempotency-Key` is answered with
//! the first response and writes nothing, however it is retried (in turn, all at once, after
//! a crash between the commit and the response).

use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tests::{
    JWT_SECRET, Kind, TestApp, WsClient, both_backends, db_id, gid, spawn_second_instance,
};

both_backends!(
    a_retry_gets_the_first_answer_and_writes_nothing,
    a_key_is_bound_to_its_request_and_its_caller,
    a_keyed_request_runs_one_field_that_keeps_keys,
    concurrent_retries_place_one_order,
    two_servers_on_one_database_place_one_order,
    every_keyed_mutation_writes_once,
    subscribers_hear_of_a_retried_order_once,
    keys_expire_and_are_pruned,
    a_crash_between_commit_and_answer_keeps_the_key_with_the_order
);

/// What a keyed request got back.
struct Answer {
    status: u16,
    replayed: bool,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    fn code(&self) -> String {
        self.json()["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code: {}", String::from_utf8_lossy(&self.body)))
            .to_owned()
    }
}

/// The exact body bytes of a GraphQL request (a retry sends the same bytes).
fn body(query: &str, variables: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({ "query": query, "variables": variables })).expect("JSON")
}

/// POSTs `body` to `address` with `key` and `token`.
async fn send(
    client: &reqwest::Client,
    address: SocketAddr,
    token: Option<&str>,
    key: &str,
    body: &[u8],
) -> reqwest::Result<Answer> {
    let mut request = client
        .post(format!("http://{address}/graphql"))
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .header("idempotency-key", key)
        .body(body.to_vec());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let replayed = response
        .headers()
        .get("idempotency-replayed")
        .is_some_and(|v| v == "true");
    let body = response.bytes().await?.to_vec();
    Ok(Answer {
        status,
        replayed,
        body,
    })
}

async fn keyed(app: &TestApp, token: Option<&str>, key: &str, body: &[u8]) -> Answer {
    send(&app.client, app.address, token, key, body)
        .await
        .expect("request answered")
}

const ORDER: &str = "mutation($p: ID!, $q: Int!) {
    createOrder(input: { items: [{ productId: $p, quantity: $q }] }) { id totalCents pointsEarned items { quantity } }
}";

fn order_body(product: i32, quantity: i32) -> Vec<u8> {
    body(
        ORDER,
        json!({ "p": gid(Kind::Product, product), "q": quantity }),
    )
}

async fn stock(app: &TestApp, product: i32) -> i64 {
    app.data(
        "query($id: ID!) { product(by: { id: $id }) { stock } }",
        json!({ "id": gid(Kind::Product, product) }),
    )
    .await["product"]["stock"]
        .as_i64()
        .expect("stock")
}

async fn orders_of(app: &TestApp, token: &str) -> i64 {
    let body = app
        .graphql_as(Some(token), "{ me { orders { totalCount } } }", json!({}))
        .await;
    body["data"]["me"]["orders"]["totalCount"]
        .as_i64()
        .unwrap_or_else(|| panic!("no orders count: {body}"))
}

async fn balance_of(app: &TestApp, user: &str) -> i64 {
    app.data(
        "query($id: ID!) { user(id: $id) { pointsBalance } }",
        json!({ "id": user }),
    )
    .await["user"]["pointsBalance"]
        .as_i64()
        .expect("balance")
}

async fn keys_stored(app: &TestApp) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM idempotency_keys",
        ))
        .await
        .expect("count")
        .expect("a row");
    row.try_get::<i64>("", "n").expect("n")
}

async fn a_retry_gets_the_first_answer_and_writes_nothing(mut app: TestApp) {
    let (ada, token) = app.signup("ada@example.com", "Ada").await;
    let mug = app.create_product("mug", "kitchen", 1_000, 10).await;
    let request = order_body(mug, 3);

    let first = keyed(&app, Some(&token), "order-1", &request).await;
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    assert!(!first.replayed);
    assert!(first.json().get("errors").is_none(), "{}", first.json());

    let again = keyed(&app, Some(&token), "order-1", &request).await;
    assert_eq!(again.status, 200);
    assert!(again.replayed, "a replay says so");
    assert_eq!(again.body, first.body, "the first response, byte for byte");
    assert_eq!(stock(&app, mug).await, 7, "stock was taken once");
    assert_eq!(orders_of(&app, &token).await, 1);
    assert_eq!(balance_of(&app, &ada).await, 30, "points were earned once");

    // From the database, once this process has forgotten it.
    app.restart(&["--max-complexity", "1000000"]).await;
    let token = app.login("ada@example.com").await;
    let stored = keyed(&app, Some(&token), "order-1", &request).await;
    assert_eq!(
        (stored.status, stored.replayed),
        (200, true),
        "{}",
        String::from_utf8_lossy(&stored.body)
    );
    assert_eq!(stored.body, first.body);
    assert_eq!(orders_of(&app, &token).await, 1);

    // A new key is a new order.
    let second = keyed(&app, Some(&token), "order-2", &request).await;
    assert!(!second.replayed);
    assert_ne!(
        second.json()["data"]["createOrder"]["id"],
        first.json()["data"]["createOrder"]["id"]
    );
    assert_eq!(stock(&app, mug).await, 4);
    app.assert_ledger_consistent().await;
}

async fn a_key_is_bound_to_its_request_and_its_caller(app: TestApp) {
    let (_, ada) = app.signup("ada@example.com", "Ada").await;
    let (_, bob) = app.signup("bob@example.com", "Bob").await;
    let mug = app.create_product("mug", "kitchen", 1_000, 10).await;

    let first = keyed(&app, Some(&ada), "k", &order_body(mug, 1)).await;
    assert_eq!(first.status, 200);
    let other = keyed(&app, Some(&ada), "k", &order_body(mug, 2)).await;
    assert_eq!(other.status, 422);
    assert_eq!(other.code(), "IDEMPOTENCY_KEY_REUSED");
    assert!(!other.replayed);

    // Another caller's key of the same name is theirs alone.
    let bobs = keyed(&app, Some(&bob), "k", &order_body(mug, 1)).await;
    assert_eq!(bobs.status, 200);
    assert!(!bobs.replayed, "Bob never sees Ada's answer");
    assert_ne!(bobs.body, first.body);
    assert_eq!(orders_of(&app, &ada).await, 1);
    assert_eq!(orders_of(&app, &bob).await, 1);
    assert_eq!(stock(&app, mug).await, 8);

    // A request that wrote nothing leaves its key unused.
    let short = keyed(&app, Some(&bob), "short", &order_body(mug, 9)).await;
    assert_eq!(short.code(), "OUT_OF_STOCK");
    assert_eq!(stock(&app, mug).await, 8, "the refused order took nothing");
    app.data(
        "mutation($id: ID!) { adjustStock(productId: $id, delta: 10) { stock } }",
        json!({ "id": gid(Kind::Product, mug) }),
    )
    .await;
    let now_fits = keyed(&app, Some(&bob), "short", &order_body(mug, 9)).await;
    assert!(
        !now_fits.replayed,
        "a failed attempt is not replayed: it runs again"
    );
    assert!(
        now_fits.json().get("errors").is_none(),
        "{}",
        now_fits.json()
    );
    assert_eq!(stock(&app, mug).await, 9);
}

async fn a_keyed_request_runs_one_field_that_keeps_keys(app: TestApp) {
    let (_, token) = app.signup("ada@example.com", "Ada").await;
    let mug = app.create_product("mug", "kitchen", 1_000, 10).await;
    let p = gid(Kind::Product, mug);

    let two = body(
        "mutation($p: ID!) {
            a: createOrder(input: { items: [{ productId: $p, quantity: 1 }] }) { id }
            b: createOrder(input: { items: [{ productId: $p, quantity: 1 }] }) { id }
        }",
        json!({ "p": p }),
    );
    let refused = keyed(&app, Some(&token), "two", &two).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.code(), "IDEMPOTENCY_KEY_UNSUPPORTED");

    let unkeyed = body(
        "mutation { updateUser(id: \"x\", input: { name: \"A\" }) { id } }",
        json!({}),
    );
    let refused = keyed(&app, Some(&token), "other", &unkeyed).await;
    assert_eq!(refused.code(), "IDEMPOTENCY_KEY_UNSUPPORTED");

    let through_fragment = body(
        "mutation($p: ID!) { ...F } fragment F on Mutation { createOrder(input: { items: [{ productId: $p, quantity: 1 }] }) { id } }",
        json!({ "p": p }),
    );
    let refused = keyed(&app, Some(&token), "fragment", &through_fragment).await;
    assert_eq!(refused.code(), "IDEMPOTENCY_KEY_UNSUPPORTED");

    // Without a token, keys serve signing up and in only.
    let refused = keyed(&app, None, "anonymous", &order_body(mug, 1)).await;
    assert_eq!(refused.code(), "IDEMPOTENCY_KEY_UNSUPPORTED");

    for bad in ["", "   ", &"k".repeat(256)] {
        let refused = keyed(&app, Some(&token), bad, &order_body(mug, 1)).await;
        assert_eq!(
            (refused.status, refused.code().as_str()),
            (400, "BAD_REQUEST"),
            "{bad:?}"
        );
    }

    // A query with a key is just a query.
    let query = keyed(&app, Some(&token), "q", &body("{ me { name } }", json!({}))).await;
    assert_eq!(query.json()["data"]["me"]["name"], "Ada");
    assert_eq!(stock(&app, mug).await, 10, "nothing refused was written");
}

/// `n` copies of `request` sent at once, the `i`th to `addresses[i % len]` with key `key(i)`,
/// each on its own connection.
async fn burst(
    addresses: &[SocketAddr],
    token: &str,
    n: usize,
    key: impl Fn(usize) -> String,
    request: &[u8],
) -> Vec<Answer> {
    futures_util::future::join_all((0..n).map(|i| {
        let client = reqwest::Client::new();
        let (address, key) = (addresses[i % addresses.len()], key(i));
        async move {
            send(&client, address, Some(token), &key, request)
                .await
                .expect("answered")
        }
    }))
    .await
}

/// The answers that placed or replayed the order, once every answer is either that or the
/// documented "still being answered" refusal.
fn placed(answers: &[Answer]) -> Vec<&Answer> {
    for answer in answers {
        assert!(
            answer.status == 200 || (answer.status == 409 && answer.code() == "CONFLICT"),
            "{} {}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        );
    }
    answers.iter().filter(|a| a.status == 200).collect()
}

async fn concurrent_retries_place_one_order(app: TestApp) {
    let (_, token) = app.signup("ada@example.com", "Ada").await;
    let mug = app.create_product("mug", "kitchen", 1_000, 100).await;
    let request = order_body(mug, 1);
    let answers = burst(&[app.address], &token, 64, |_| "same".into(), &request).await;
    let placed = placed(&answers);
    assert!(!placed.is_empty());
    for answer in &placed {
        assert_eq!(
            answer.body, placed[0].body,
            "every answer names the one order"
        );
    }
    assert_eq!(
        placed.iter().filter(|a| !a.replayed).count(),
        1,
        "one ran, the rest were replays"
    );
    assert_eq!(orders_of(&app, &token).await, 1);
    assert_eq!(stock(&app, mug).await, 99);

    // Distinct keys are distinct orders, written together as ever.
    let answers = burst(
        &[app.address],
        &token,
        32,
        |i| format!("order-{i}"),
        &request,
    )
    .await;
    assert!(answers.iter().all(|a| a.status == 200 && !a.replayed));
    assert_eq!(orders_of(&app, &token).await, 33);
    assert_eq!(stock(&app, mug).await, 67);
    app.assert_ledger_consistent().await;
}

async fn two_servers_on_one_database_place_one_order(app: TestApp) {
    let (_, token) = app.signup("ada@example.com", "Ada").await;
    let mug = app.create_product("mug", "kitchen", 1_000, 100).await;
    let (second, _) = spawn_second_instance(&app).await;
    let request = order_body(mug, 1);
    let addresses = [app.address, second];
    let answers = burst(&addresses, &token, 32, |_| "both".into(), &request).await;
    let placed = placed(&answers);
    let ids: std::collections::BTreeSet<String> = placed
        .iter()
        .map(|a| a.json()["data"]["createOrder"]["id"].to_string())
        .collect();
    assert_eq!(ids.len(), 1, "every answer names the one order: {ids:?}");
    assert_eq!(orders_of(&app, &token).await, 1);
    assert_eq!(stock(&app, mug).await, 99);
    app.assert_ledger_consistent().await;
}

async fn every_keyed_mutation_writes_once(app: TestApp) {
    let (ada, token) = app.signup("ada@example.com", "Ada").await;
    let (bob, _) = app.signup("bob@example.com", "Bob").await;
    let admin = app.admin_token.clone();
    let mug = app.create_product("mug", "kitchen", 1_000, 10).await;

    let twice = |token: Option<String>, key: &'static str, request: Vec<u8>| {
        let app = &app;
        async move {
            let first = keyed(app, token.as_deref(), key, &request).await;
            assert_eq!(
                first.status,
                200,
                "{}",
                String::from_utf8_lossy(&first.body)
            );
            assert!(first.json().get("errors").is_none(), "{}", first.json());
            let again = keyed(app, token.as_deref(), key, &request).await;
            assert!(again.replayed);
            assert_eq!(again.body, first.body, "{key}");
            first.json()
        }
    };

    let adjust = body(
        "mutation($u: ID!) { adjustPoints(userId: $u, points: 500) { pointsBalance } }",
        json!({ "u": ada }),
    );
    twice(Some(admin.clone()), "adjust", adjust).await;
    assert_eq!(balance_of(&app, &ada).await, 500);

    let transfer = body(
        "mutation($to: ID!) { transferPoints(toUserId: $to, points: 100) { from { pointsBalance } to { id } } }",
        json!({ "to": bob }),
    );
    twice(Some(token.clone()), "transfer", transfer).await;
    assert_eq!(balance_of(&app, &ada).await, 400);
    assert_eq!(balance_of(&app, &bob).await, 100);

    let redeem = body(
        "mutation { redeemPoints(points: 50) { pointsBalance } }",
        json!({}),
    );
    twice(Some(token.clone()), "redeem", redeem).await;
    assert_eq!(balance_of(&app, &ada).await, 350);

    let placed = twice(Some(token.clone()), "order", order_body(mug, 2)).await;
    let order = placed["data"]["createOrder"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let pay = body(
        "mutation($id: ID!) { updateOrderStatus(id: $id, status: PAID) { status } }",
        json!({ "id": order }),
    );
    twice(Some(admin.clone()), "pay", pay).await;
    let cancel = body(
        "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
        json!({ "id": order }),
    );
    let cancelled = twice(Some(token.clone()), "cancel", cancel).await;
    assert_eq!(cancelled["data"]["cancelOrder"]["status"], "CANCELLED");
    assert_eq!(stock(&app, mug).await, 10, "stock came back once");

    let upsert = body(
        "mutation { upsertProduct(input: { sku: \"CUP\", slug: \"cup\", name: \"Cup\", category: \"k\", priceCents: 300 }) { outcome } }",
        json!({}),
    );
    let upserted = twice(Some(admin.clone()), "upsert", upsert).await;
    assert_eq!(
        upserted["data"]["upsertProduct"]["outcome"], "CREATED",
        "the first answer, still"
    );

    let signup = body(
        "mutation { signup(email: \"cy@example.com\", name: \"Cy\", password: \"correct horse battery\") { user { email } } }",
        json!({}),
    );
    twice(None, "signup", signup).await;
    let login = body(
        "mutation { login(email: \"cy@example.com\", password: \"correct horse battery\") { user { email } } }",
        json!({}),
    );
    twice(None, "login", login).await;
    let users = app.data("{ users { totalCount } }", json!({})).await;
    assert_eq!(users["users"]["totalCount"], 4, "one account for Cy");
    app.assert_ledger_consistent().await;
}

async fn subscribers_hear_of_a_retried_order_once(app: TestApp) {
    let (_, token) = app.signup("ada@example.com", "Ada").await;
    let mug = app.create_product("mug", "kitchen", 1_000, 10).await;
    let mut socket = WsClient::connect(app.address, Some(&token))
        .await
        .expect("connects");
    socket
        .subscribe("1", "subscription { orderCreated { id } }", json!({}))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let request = order_body(mug, 1);
    for _ in 0..3 {
        let answer = keyed(&app, Some(&token), "once", &request).await;
        assert_eq!(answer.status, 200);
    }
    let heard = socket.next().await.expect("the order's event");
    assert_eq!(heard["type"], "next");
    assert!(
        socket
            .next_within(Duration::from_millis(700))
            .await
            .is_none(),
        "no second event"
    );
}

async fn keys_expire_and_are_pruned(mut app: TestApp) {
    app.restart(&["--max-complexity", "1000000", "--idempotency-ttl", "2s"])
        .await;
    let (_, token) = app.signup("ada@example.com", "Ada").await;
    let mug = app.create_product("mug", "kitchen", 1_000, 10).await;
    let request = order_body(mug, 1);
    let first = keyed(&app, Some(&token), "k", &request).await;
    assert!(!first.replayed);
    assert!(keyed(&app, Some(&token), "k", &request).await.replayed);
    assert!(keys_stored(&app).await >= 1);
    tokio::time::sleep(Duration::from_millis(4_500)).await;
    assert_eq!(
        keys_stored(&app).await,
        0,
        "expired keys are deleted in the background"
    );
    let later = keyed(&app, Some(&token), "k", &request).await;
    assert!(!later.replayed, "an expired key is new again");
    assert_eq!(orders_of(&app, &token).await, 2);
}

/// Runs a server process on `database_url` that aborts between a keyed write's commit and its
/// response, as a crash would; returns its address.
fn crashing_server(
    database_url: &str,
    data_dir: &std::path::Path,
) -> (std::process::Child, SocketAddr) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = std::process::Command::new(std::env::current_exe().expect("own path"))
        .args([
            "--exact",
            "idempotency::server_process",
            "--ignored",
            "--nocapture",
        ])
        .env("SHOPGRAPH_TEST_FAULT", "abort-after-commit")
        .env(
            "SHOPGRAPH_SERVER_ARGS",
            json!([
                "--port",
                port.to_string(),
                "--data-dir",
                data_dir,
                "--database-url",
                database_url,
                "--jwt-secret",
                JWT_SECRET,
            ])
            .to_string(),
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("server process starts");
    (child, SocketAddr::from(([127, 0, 0, 1], port)))
}

/// Not a test: the server process [`crashing_server`] starts (it runs only when asked for).
#[test]
#[ignore = "the server process of the crash test, started by it"]
fn server_process() {
    let Ok(args) = std::env::var("SHOPGRAPH_SERVER_ARGS") else {
        return;
    };
    let args: Vec<String> = serde_json::from_str(&args).expect("server args");
    let cli =
        <api::Cli as clap::Parser>::parse_from(std::iter::once("shopgraph".to_owned()).chain(args));
    api::cli::run_blocking(cli).expect("server runs");
}

async fn a_crash_between_commit_and_answer_keeps_the_key_with_the_order(app: TestApp) {
    let (ada, token) = app.signup("ada@example.com", "Ada").await;
    let mug = app.create_product("mug", "kitchen", 1_000, 10).await;
    let request = order_body(mug, 3);
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut child, address) = crashing_server(&app.database_url, dir.path());
    let client = reqwest::Client::new();
    let mut lost = None;
    for _ in 0..200 {
        match send(&client, address, Some(&token), "crash", &request).await {
            Ok(answer) => panic!(
                "the server answered: {}",
                String::from_utf8_lossy(&answer.body)
            ),
            Err(err) if err.is_connect() => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(err) => {
                lost = Some(err);
                break;
            }
        }
    }
    assert!(lost.is_some(), "the server process never came up");
    let status = child.wait().expect("server process ends");
    assert!(!status.success(), "it died mid-request");

    // The order was committed with its key; the retry, on a server that never saw the
    // request, names that order and writes nothing.
    assert_eq!(stock(&app, mug).await, 7);
    let retry = keyed(&app, Some(&token), "crash", &request).await;
    assert_eq!(
        retry.status,
        200,
        "{}",
        String::from_utf8_lossy(&retry.body)
    );
    assert!(retry.replayed);
    let order = retry.json()["data"]["createOrder"].clone();
    assert_eq!(order["totalCents"], 3_000);
    assert_eq!(order["items"], json!([{ "quantity": 3 }]));
    assert_eq!(orders_of(&app, &token).await, 1);
    let mine = app
        .graphql_as(
            Some(&token),
            "{ me { orders { nodes { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["data"]["me"]["orders"]["nodes"][0]["id"], order["id"]);
    assert_eq!(
        db_id(order["id"].as_str().expect("id")),
        db_id(
            mine["data"]["me"]["orders"]["nodes"][0]["id"]
                .as_str()
                .expect("id")
        )
    );
    assert_eq!(stock(&app, mug).await, 7, "stock was taken once");
    assert_eq!(balance_of(&app, &ada).await, 30, "points were earned once");
    // That answer is now the key's, byte for byte.
    let again = keyed(&app, Some(&token), "crash", &request).await;
    assert_eq!(again.body, retry.body);
    app.assert_ledger_consistent().await;
}
