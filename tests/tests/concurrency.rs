//! All-or-nothing writes under concurrency, through the API, on both databases.

use serde_json::{Value, json};
use std::sync::Arc;
use tests::{CREATE_ORDER, Kind, TestApp, both_backends, db_id, gid};

both_backends!(
    concurrent_orders_never_oversell,
    concurrent_transfers_keep_every_point,
    failed_order_leaves_no_trace,
    queued_orders_are_written_as_one_group
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
            "query($id: ID!) { product(by: { id: $id }) { stock } orders { totalCount } }",
            json!({ "id": gid(Kind::Product, lamp) }),
        )
        .await;
    assert_eq!(data["product"]["stock"], 0);
    assert_eq!(data["orders"]["totalCount"], 50);
    app.assert_ledger_consistent().await;
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
    app.assert_ledger_consistent().await;
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

/// Orders that queue up while another is being written go in as one group: one transaction
/// with one statement per table, yet each order gets exactly its own outcome, as if placed
/// alone in turn. Placed through the service on a runtime of the test's own, where every order
/// is queued before the checkout's writer first runs, so the group is certain to form.
async fn queued_orders_are_written_as_one_group(app: TestApp) {
    use service::orders::{Checkout, NewLine, NewOrder};
    let mut customers = Vec::new();
    for i in 0..4 {
        let id = app
            .create_user(&format!("g{i}@example.com"), &format!("G{i}"))
            .await;
        customers.push(db_id(&id));
    }
    let pen = app.create_product("pen", "stationery", 150, 100).await;
    let ink = app.create_product("ink", "stationery", 300, 3).await;
    const GHOST: i32 = 987_654;
    // (customer, lines, the error code it must get)
    type Wanted = (i32, Vec<(i32, i32)>, Option<&'static str>);
    let wanted: Vec<Wanted> = (0..20)
        .map(|k: usize| {
            let customer = customers[k % 4];
            match k {
                1 | 2 => (customer, vec![(pen, 1), (ink, 1)], None),
                // One ink left by now.
                5 => (customer, vec![(ink, 2), (pen, 1)], Some("OUT_OF_STOCK")),
                7 => (customer, vec![(ink, 1)], None),
                9 => (customer, vec![(pen, 1), (GHOST, 1)], Some("NOT_FOUND")),
                _ => (customer, vec![(pen, 1 + (k % 3) as i32)], None),
            }
        })
        .collect();

    let url = app.database_url.clone();
    let orders: Vec<NewOrder> = wanted
        .iter()
        .map(|(customer, lines, _)| NewOrder {
            customer_id: Some(*customer),
            items: lines
                .iter()
                .map(|&(product_id, quantity)| NewLine {
                    product_id,
                    quantity,
                })
                .collect(),
        })
        .collect();
    let (outcomes, statements) = tokio::task::spawn_blocking(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let connected = service::ops::database::connect(&tests::db_config(&url))
                .await
                .expect("connect");
            let checkout =
                Checkout::new(connected.db.clone(), service::events::EventBus::default());
            let before = connected.statements.get();
            let system = service::access::Viewer::SYSTEM;
            let outcomes = futures_util::future::join_all(
                orders
                    .into_iter()
                    .map(|order| checkout.create(&system, order, None)),
            )
            .await;
            (outcomes, connected.statements.get() - before)
        })
    })
    .await
    .expect("placing thread");

    // users, products, stock, orders, items, balances, ledger (+ pg_notify on PostgreSQL).
    let most = if app.backend == tests::Backend::Postgres {
        8
    } else {
        7
    };
    assert!(
        statements <= most,
        "20 queued orders took {statements} statements, expected one group of at most {most}"
    );
    let mut ids = std::collections::BTreeSet::new();
    for ((customer, lines, code), outcome) in wanted.iter().zip(&outcomes) {
        match (code, outcome) {
            (None, Ok((order, items))) => {
                assert_eq!(order.customer_id, *customer);
                let got: Vec<(i32, i32)> =
                    items.iter().map(|i| (i.product_id, i.quantity)).collect();
                let mut expected = lines.clone();
                expected.sort();
                assert_eq!(got, expected, "order {} has its own items", order.id);
                assert!(items.iter().all(|i| i.order_id == order.id));
                ids.insert(order.id);
            }
            (
                Some("OUT_OF_STOCK"),
                Err(service::Error::OutOfStock {
                    product_id,
                    requested,
                    available,
                }),
            ) => {
                assert_eq!((*product_id, *requested, *available), (ink, 2, 1));
            }
            (Some("NOT_FOUND"), Err(service::Error::NotFound { entity, id })) => {
                assert_eq!(
                    (*entity, id.as_str()),
                    ("product", GHOST.to_string().as_str())
                );
            }
            (code, outcome) => panic!("expected {code:?}, got {outcome:?}"),
        }
    }
    assert_eq!(ids.len(), 18);

    // Seen through the API: each order priced and credited on its own, stock taken once.
    let data = app
        .data(
            "{ products { nodes { id stock } }
               orders(first: 100) { nodes { id totalCents pointsEarned customer { id pointsBalance lifetimePoints } items { quantity unitPriceCents product { id } } } } }",
            json!({}),
        )
        .await;
    let stock = |id: i32| {
        data["products"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"].as_str() == Some(gid(Kind::Product, id).as_str()))
            .unwrap()["stock"]
            .as_i64()
            .unwrap()
    };
    let pens: i64 = wanted
        .iter()
        .filter(|w| w.2.is_none())
        .flat_map(|w| w.1.iter())
        .filter(|l| l.0 == pen)
        .map(|l| i64::from(l.1))
        .sum();
    assert_eq!((stock(pen), stock(ink)), (100 - pens, 0));
    let nodes = data["orders"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 18);
    let mut earned_by: std::collections::HashMap<String, i64> = Default::default();
    for order in nodes {
        let total: i64 = order["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["quantity"].as_i64().unwrap() * i["unitPriceCents"].as_i64().unwrap())
            .sum();
        assert_eq!(order["totalCents"].as_i64().unwrap(), total, "{order}");
        assert_eq!(
            order["pointsEarned"].as_i64().unwrap(),
            total / 100,
            "{order}"
        );
        *earned_by
            .entry(order["customer"]["id"].as_str().unwrap().to_owned())
            .or_default() += total / 100;
    }
    for order in nodes {
        let customer = &order["customer"];
        let earned = earned_by[customer["id"].as_str().unwrap()];
        assert_eq!(
            customer["pointsBalance"].as_i64().unwrap(),
            earned,
            "{customer}"
        );
        assert_eq!(
            customer["lifetimePoints"].as_i64().unwrap(),
            earned,
            "{customer}"
        );
    }
    app.assert_ledger_consistent().await;
}
