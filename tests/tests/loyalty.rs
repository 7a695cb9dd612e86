//! Earning, tiers, transfers and redemptions.

use serde_json::{Value, json};
use tests::{Kind, TestApp, both_backends, gid};

both_backends!(
    earning_follows_the_tier,
    transfers_move_points_or_nothing,
    redemptions_spend_points_or_nothing,
    the_ledger_sorts_by_id_or_time_with_exact_cursors
);

const TRANSFER: &str = "mutation($a: ID!, $b: ID!, $p: Int!) {
    transferPoints(fromUserId: $a, toUserId: $b, points: $p) { from { pointsBalance } to { pointsBalance } }
}";

async fn balance(app: &TestApp, id: &str) -> i64 {
    app.data(
        "query($id: ID!) { user(id: $id) { pointsBalance } }",
        json!({ "id": id }),
    )
    .await["user"]["pointsBalance"]
        .as_i64()
        .unwrap()
}

async fn grant(app: &TestApp, id: &str, points: i64) {
    app.data(
        "mutation($id: ID!, $p: Int!) { adjustPoints(userId: $id, points: $p) { id } }",
        json!({ "id": id, "p": points }),
    )
    .await;
}

async fn earning_follows_the_tier(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    let tv = app.create_product("tv", "home", 100_000, 100).await; // 1,000.00
    let first = app
        .data(tests::CREATE_ORDER, TestApp::order_input(&ada, &[(tv, 1)]))
        .await;
    assert_eq!(first["createOrder"]["pointsEarned"], 1_000);
    let user = app
        .data(
            "query($id: ID!) { user(id: $id) { tier lifetimePoints } }",
            json!({ "id": ada }),
        )
        .await;
    assert_eq!(
        user["user"],
        json!({ "tier": "SILVER", "lifetimePoints": 1000 })
    );

    // Silver earns ×1.25; adjustments do not count towards the tier.
    let second = app
        .data(tests::CREATE_ORDER, TestApp::order_input(&ada, &[(tv, 1)]))
        .await;
    assert_eq!(second["createOrder"]["pointsEarned"], 1_250);
    grant(&app, &ada, 10_000).await;
    let user = app
        .data(
            "query($id: ID!) { user(id: $id) { tier lifetimePoints pointsBalance } }",
            json!({ "id": ada }),
        )
        .await;
    assert_eq!(
        user["user"],
        json!({ "tier": "SILVER", "lifetimePoints": 2250, "pointsBalance": 12250 })
    );
    let third = app
        .data(tests::CREATE_ORDER, TestApp::order_input(&ada, &[(tv, 3)]))
        .await;
    assert_eq!(third["createOrder"]["pointsEarned"], 3_750);
    let user = app
        .data(
            "query($id: ID!) { user(id: $id) { tier } }",
            json!({ "id": ada }),
        )
        .await;
    assert_eq!(user["user"]["tier"], "GOLD", "6,000 lifetime points");
}

async fn transfers_move_points_or_nothing(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    let bob = app.create_user("bob@example.com", "Bob").await;
    grant(&app, &ada, 100).await;

    let moved = app
        .data(TRANSFER, json!({ "a": ada, "b": bob, "p": 60 }))
        .await;
    assert_eq!(
        moved["transferPoints"],
        json!({ "from": { "pointsBalance": 40 }, "to": { "pointsBalance": 60 } })
    );

    let error = app
        .error(TRANSFER, json!({ "a": ada, "b": bob, "p": 41 }))
        .await;
    assert_eq!(
        error["extensions"]["code"], "INSUFFICIENT_POINTS",
        "{error}"
    );
    assert_eq!(error["extensions"]["available"], 40);
    for (variables, code) in [
        (json!({ "a": ada, "b": ada, "p": 1 }), "BAD_USER_INPUT"),
        (json!({ "a": ada, "b": bob, "p": 0 }), "BAD_USER_INPUT"),
        (json!({ "a": ada, "b": bob, "p": -5 }), "BAD_USER_INPUT"),
        (
            json!({ "a": ada, "b": gid(Kind::User, 9999), "p": 5 }),
            "NOT_FOUND",
        ),
        (
            json!({ "a": gid(Kind::User, 9999), "b": bob, "p": 5 }),
            "NOT_FOUND",
        ),
    ] {
        assert_eq!(
            app.error_code(TRANSFER, variables.clone()).await,
            code,
            "{variables}"
        );
    }
    assert_eq!(
        (balance(&app, &ada).await, balance(&app, &bob).await),
        (40, 60),
        "refused transfers changed nothing"
    );

    let ledger = app
        .data(
            "query($id: ID!) { user(id: $id) { pointTransactions { totalCount nodes { kind points counterparty { name } } } } }",
            json!({ "id": bob }),
        )
        .await;
    let rows = &ledger["user"]["pointTransactions"];
    assert_eq!(rows["totalCount"], 1);
    assert_eq!(
        rows["nodes"][0],
        json!({ "kind": "TRANSFER_IN", "points": 60, "counterparty": { "name": "Ada" } })
    );
    let ada_ledger = app
        .data(
            "query($id: ID!) { user(id: $id) { pointTransactions { nodes { kind points } } } }",
            json!({ "id": ada }),
        )
        .await;
    let kinds: Vec<Value> = ada_ledger["user"]["pointTransactions"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        kinds[0],
        json!({ "kind": "TRANSFER_OUT", "points": -60 }),
        "newest first"
    );
    assert_eq!(kinds[1], json!({ "kind": "ADJUST", "points": 100 }));
    app.assert_ledger_consistent().await;
}

async fn redemptions_spend_points_or_nothing(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    grant(&app, &ada, 50).await;
    let redeem =
        "mutation($id: ID!, $p: Int!) { redeemPoints(userId: $id, points: $p) { pointsBalance } }";
    assert_eq!(
        app.data(redeem, json!({ "id": ada, "p": 20 })).await["redeemPoints"]["pointsBalance"],
        30
    );
    let error = app.error(redeem, json!({ "id": ada, "p": 31 })).await;
    assert_eq!(error["extensions"]["code"], "INSUFFICIENT_POINTS");
    assert_eq!(error["extensions"]["available"], 30);
    assert_eq!(error["extensions"]["requested"], 31);
    assert_eq!(balance(&app, &ada).await, 30);
    let error = app
        .error(
            "mutation($id: ID!) { adjustPoints(userId: $id, points: -31) { id } }",
            json!({ "id": ada }),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "INSUFFICIENT_POINTS");
    app.assert_ledger_consistent().await;
}

/// The ledger is newest first unless `orderBy` says otherwise; cursors belong to their order.
async fn the_ledger_sorts_by_id_or_time_with_exact_cursors(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    for points in [10, 20, 30] {
        app.data(
            "mutation($u: ID!, $p: Int!) { adjustPoints(userId: $u, points: $p) { id } }",
            json!({ "u": ada, "p": points }),
        )
        .await;
    }
    let ledger = |order_by: Value, after: Value| {
        let app = &app;
        let ada = &ada;
        async move {
            app.graphql(
                "query($u: ID!, $o: PointTransactionSort, $a: String) { user(id: $u) {
                    pointTransactions(first: 2, after: $a, orderBy: $o) {
                        pageInfo { endCursor } nodes { points } } } }",
                json!({ "u": ada, "o": order_by, "a": after }),
            )
            .await
        }
    };
    let points = |body: &Value| -> Vec<i64> {
        body["data"]["user"]["pointTransactions"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|n| n["points"].as_i64().unwrap())
            .collect()
    };
    let newest = ledger(Value::Null, Value::Null).await;
    assert_eq!(points(&newest), [30, 20]);
    let by_id = ledger(json!({ "field": "ID" }), Value::Null).await;
    assert_eq!(points(&by_id), [10, 20]);
    let cursor = by_id["data"]["user"]["pointTransactions"]["pageInfo"]["endCursor"].clone();
    let rest = ledger(json!({ "field": "ID" }), cursor.clone()).await;
    assert_eq!(points(&rest), [30]);
    let by_time = ledger(
        json!({ "field": "CREATED_AT", "direction": "DESC" }),
        Value::Null,
    )
    .await;
    assert_eq!(points(&by_time), [30, 20]);
    // A cursor of the id order does not page the time order.
    let mixed = ledger(json!({ "field": "CREATED_AT" }), cursor).await;
    assert_eq!(
        mixed["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{mixed}"
    );
}
