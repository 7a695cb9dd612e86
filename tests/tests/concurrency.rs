//! All-or-nothing writes under concurrency, through the API, on both databases.

use serde_json::{Value, json};
use std::sync::Arc;
use tests::{CREATE_ORDER, TestApp, both_backends};

both_backends!(
    concurrent_orders_never_oversell,
    concurrent_transfers_keep_every_point,
    failed_order_leaves_no_trace
);

/// Runs `n` requests at once and returns each response.
async fn at_once(app: &Arc<TestApp>, requests: Vec<(&'static str, Value)>) -> Vec<Value> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(query, variables)| {
            let app = app.clone();
            tokio::spawn(async move { app.graphql(query, variables).await })
        })
        .collect();
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        out.push(task.await.expect("request task"));
    }
    out
}

fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

async fn concurrent_orders_never_oversell(app: TestApp) {
    let app = Arc::new(app);
    let mut customers = Vec::new();
    for i in 0..8 {
        customers.push(
            app.create_user(&format!("c{i}@example.com"), &format!("C{i}"))
                .await,
        );
    }
    let lamp = app.create_product("lamp", "home", 4_900, 50).await;
    let requests = (0..64)
        .map(|i| {
            (
                CREATE_ORDER,
                TestApp::order_input(&customers[i % 8], &[(lamp, 1)]),
            )
        })
        .collect();
    let responses = at_once(&app, requests).await;

    let sold = responses
        .iter()
        .filter(|b| b.get("errors").is_none())
        .count();
    let out_of_stock = responses
        .iter()
        .filter(|b| code(b) == Some("OUT_OF_STOCK"))
        .count();
    let other: Vec<&Value> = responses
        .iter()
        .filter(|b| b.get("errors").is_some() && code(b) != Some("OUT_OF_STOCK"))
        .collect();
    assert!(other.is_empty(), "unexpected errors: {other:#?}");
    assert_eq!((sold, out_of_stock), (50, 14));
    let data = app
        .data(
            "query($id: ID!) { product(id: $id) { stock } orders { totalCount } }",
            json!({ "id": lamp.to_string() }),
        )
        .await;
    assert_eq!(data["product"]["stock"], 0);
    assert_eq!(data["orders"]["totalCount"], 50);
    assert!(
        service::points::verify_ledger(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn concurrent_transfers_keep_every_point(app: TestApp) {
    let app = Arc::new(app);
    let mut users = Vec::new();
    for i in 0..10 {
        let id = app
            .create_user(&format!("u{i}@example.com"), &format!("U{i}"))
            .await;
        app.data(
            "mutation($id: ID!) { adjustPoints(userId: $id, points: 100) { id } }",
            json!({ "id": id }),
        )
        .await;
        users.push(id);
    }
    // A fixed pseudo-random sequence, so a failure can be replayed.
    let mut state: u64 = 0x5eed;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    let requests = (0..64)
        .map(|_| {
            let from = next(10) as usize;
            let to = (from + 1 + next(9) as usize) % 10;
            let points = 1 + next(80) as i64;
            (
                "mutation($a: ID!, $b: ID!, $p: Int!) { transferPoints(fromUserId: $a, toUserId: $b, points: $p) { from { id } } }",
                json!({ "a": users[from], "b": users[to], "p": points }),
            )
        })
        .collect();
    let responses = at_once(&app, requests).await;
    let unexpected: Vec<&Value> = responses
        .iter()
        .filter(|b| b.get("errors").is_some() && code(b) != Some("INSUFFICIENT_POINTS"))
        .collect();
    assert!(unexpected.is_empty(), "unexpected errors: {unexpected:#?}");
    assert!(
        responses.iter().any(|b| b.get("errors").is_none()),
        "some transfers went through"
    );

    let data = app
        .data(
            "{ users(first: 100) { nodes { pointsBalance } } }",
            json!({}),
        )
        .await;
    let balances: Vec<i64> = data["users"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["pointsBalance"].as_i64().unwrap())
        .collect();
    assert_eq!(balances.iter().sum::<i64>(), 1_000, "{balances:?}");
    assert!(balances.iter().all(|b| *b >= 0), "{balances:?}");
    assert!(
        service::points::verify_ledger(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Everything an order could have touched.
async fn snapshot(app: &TestApp) -> Value {
    app.data(
        "{ products { nodes { id stock updatedAt } } orders { totalCount }
           users { nodes { id pointsBalance lifetimePoints tier updatedAt pointTransactions { totalCount } } } }",
        json!({}),
    )
    .await
}

async fn failed_order_leaves_no_trace(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    let mug = app.create_product("mug", "kitchen", 100_000, 10).await;
    let tea = app.create_product("tea", "pantry", 500, 10).await;
    let before = snapshot(&app).await;
    // The unknown product sorts last, so the order row, both earlier lines and their stock
    // changes are written before it fails.
    let error = app
        .error(
            CREATE_ORDER,
            TestApp::order_input(&ada, &[(mug, 2), (tea, 1), (987_654, 1)]),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "NOT_FOUND", "{error}");
    assert_eq!(
        snapshot(&app).await,
        before,
        "the database is exactly as before"
    );

    // The same lines without the bad one go through, with fresh ids.
    let order = app.create_order(&ada, &[(mug, 2), (tea, 1)]).await;
    assert!(order > 0);
}
