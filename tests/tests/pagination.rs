//! Relay paging: forwards, backwards, sorted, nested, and its limits.

use serde_json::{Value, json};
use tests::{TestApp, both_backends};

both_backends!(
    pages_forward_and_backward,
    sorts_by_indexed_columns,
    refuses_bad_paging_arguments,
    nested_lists_page_per_parent,
    nullable_sort_column_pages_completely,
    sorts_by_several_columns_with_exact_cursors,
);

const NAMES: [&str; 7] = [
    "Grace", "ada", "Linus", "Barbara", "Edsger", "Frances", "Ken",
];

async fn seed_users(app: &TestApp) -> Vec<String> {
    let mut ids = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        ids.push(app.create_user(&format!("user{i}@example.com"), name).await);
    }
    ids
}

fn names(data: &Value) -> Vec<String> {
    data["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn pages_forward_and_backward(app: TestApp) {
    let ids = seed_users(&app).await;
    let query = "query($first: Int, $after: String, $last: Int, $before: String) {
        users(first: $first, after: $after, last: $last, before: $before, filter: { email: { contains: \"@example.com\" } }) {
            totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            edges { cursor node { id name } } nodes { id }
        }
    }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app.data(query, json!({ "first": 3, "after": after })).await;
        let users = &data["users"];
        assert_eq!(users["totalCount"], 7);
        for edge in users["edges"].as_array().unwrap() {
            seen.push(edge["node"]["id"].as_str().unwrap().to_owned());
        }
        assert_eq!(users["pageInfo"]["hasPreviousPage"], !after.is_null());
        if users["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = users["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, ids, "every user once, in id order");

    // Backwards from the end.
    let last = app.data(query, json!({ "last": 2 })).await;
    let nodes: Vec<&str> = last["users"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(nodes, [ids[5].as_str(), ids[6].as_str()]);
    assert_eq!(last["users"]["pageInfo"]["hasPreviousPage"], true);
    let before = last["users"]["pageInfo"]["startCursor"].clone();
    let prev = app
        .data(query, json!({ "last": 2, "before": before }))
        .await;
    let nodes: Vec<&str> = prev["users"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(nodes, [ids[3].as_str(), ids[4].as_str()]);
    assert_eq!(prev["users"]["pageInfo"]["hasNextPage"], true);
}

async fn sorts_by_indexed_columns(app: TestApp) {
    seed_users(&app).await;
    let query = "query($after: String) { users(first: 4, after: $after, orderBy: { field: NAME, direction: DESC },
        filter: { email: { contains: \"@example.com\" } }) {
        pageInfo { endCursor } nodes { name } } }";
    let first = app.data(query, json!({})).await;
    let after = first["users"]["pageInfo"]["endCursor"].clone();
    let second = app.data(query, json!({ "after": after })).await;
    let mut all = names(&first["users"]);
    all.extend(names(&second["users"]));
    let mut expected: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
    expected.sort();
    expected.reverse();
    assert_eq!(all, expected);

    // A cursor of one ordering is refused by another.
    let code = app
        .error_code(
            "query($after: String) { users(first: 2, after: $after) { nodes { id } } }",
            json!({ "after": after }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

async fn refuses_bad_paging_arguments(app: TestApp) {
    for query in [
        "{ users(first: 101) { nodes { id } } }",
        "{ users(last: 101) { nodes { id } } }",
        "{ users(first: -1) { nodes { id } } }",
        "{ users(first: 1, last: 1) { nodes { id } } }",
        "{ users(first: 1, after: \"garbage\") { nodes { id } } }",
        "{ posts(first: 500) { nodes { id } } }",
        "{ users(first: 1) { nodes { posts(first: 101) { nodes { id } } } } }",
    ] {
        let error = app.error(query, json!({})).await;
        // Nested lists only fail when a parent exists; make sure at least the top-level ones do.
        if error.is_null() {
            continue;
        }
        assert_eq!(
            error["extensions"]["code"], "BAD_USER_INPUT",
            "{query}: {error}"
        );
    }
    let error = app
        .error("{ users(first: 101) { nodes { id } } }", json!({}))
        .await;
    assert_eq!(error["extensions"]["field"], "first");
    let ok = app
        .data("{ users(first: 100) { nodes { id } } }", json!({}))
        .await;
    assert!(ok["users"]["nodes"].is_array());
}

async fn nested_lists_page_per_parent(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    let bob = app.create_user("bob@example.com", "Bob").await;
    let _eve = app.create_user("eve@example.com", "Eve").await;
    for i in 0..5 {
        app.create_post(&ada, &format!("ada {i}"), i % 2 == 0).await;
    }
    app.create_post(&bob, "bob 0", true).await;
    let data = app
        .data(
            "{ users(first: 10, filter: { email: { contains: \"@example.com\" } }) { nodes { name posts(first: 2, orderBy: { field: ID, direction: ASC }) {
                totalCount pageInfo { hasNextPage endCursor } nodes { title } } } } }",
            json!({}),
        )
        .await;
    let users = data["users"]["nodes"].as_array().unwrap();
    let titles = |u: &Value| -> Vec<String> {
        u["posts"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(titles(&users[0]), ["ada 0", "ada 1"]);
    assert_eq!(users[0]["posts"]["totalCount"], 5);
    assert_eq!(users[0]["posts"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(titles(&users[1]), ["bob 0"]);
    assert_eq!(users[1]["posts"]["pageInfo"]["hasNextPage"], false);
    assert!(titles(&users[2]).is_empty());
    assert_eq!(users[2]["posts"]["totalCount"], 0);

    // Continue Ada's list from its cursor, filtered to published posts.
    let after = users[0]["posts"]["pageInfo"]["endCursor"].clone();
    let next = app
        .data(
            "query($id: ID!, $after: String) { user(id: $id) { posts(first: 10, after: $after,
                orderBy: { field: ID, direction: ASC }) { nodes { title } } } }",
            json!({ "id": ada, "after": after }),
        )
        .await;
    assert_eq!(titles(&next["user"]), ["ada 2", "ada 3", "ada 4"]);
    let published = app
        .data(
            "query($id: ID!) { user(id: $id) { posts(filter: { status: { eq: PUBLISHED } }) { totalCount nodes { title } } } }",
            json!({ "id": ada }),
        )
        .await;
    assert_eq!(published["user"]["posts"]["totalCount"], 3);
    // Default order of a user's posts: newest first.
    assert_eq!(titles(&published["user"]), ["ada 4", "ada 2", "ada 0"]);
}

async fn nullable_sort_column_pages_completely(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    for i in 0..6 {
        app.create_post(&ada, &format!("p{i}"), i % 2 == 1).await;
    }
    for direction in ["ASC", "DESC"] {
        let query = format!(
            "query($after: String) {{ posts(first: 2, after: $after, orderBy: {{ field: PUBLISHED_AT, direction: {direction} }}) {{
                pageInfo {{ hasNextPage endCursor }} nodes {{ title publishedAt }} }} }}"
        );
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let data = app.data(&query, json!({ "after": after })).await;
            for node in data["posts"]["nodes"].as_array().unwrap() {
                seen.push((
                    node["title"].as_str().unwrap().to_owned(),
                    node["publishedAt"].is_null(),
                ));
            }
            if data["posts"]["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = data["posts"]["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen.len(), 6, "{direction}: {seen:?}");
        let drafts_first = seen.iter().take(3).all(|(_, draft)| *draft);
        let drafts_last = seen.iter().skip(3).all(|(_, draft)| *draft);
        // NULL sorts as the smallest value on both backends.
        assert!(
            if direction == "ASC" {
                drafts_first
            } else {
                drafts_last
            },
            "{direction}: {seen:?}"
        );
    }
}

/// Every page of `list` (a connection field taking `first`/`after`/`last`/`before` and
/// `orderBy: $o`), forwards then backwards `size` rows at a time, as the values of `field`.
async fn walk(
    app: &TestApp,
    document: &str,
    list: &[&str],
    order: &Value,
    size: u32,
) -> (Vec<String>, Vec<String>) {
    let at = |data: &Value| -> Value { list.iter().fold(data.clone(), |v, key| v[*key].clone()) };
    let mut forward = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .data(
                document,
                json!({ "o": order, "first": size, "after": after }),
            )
            .await;
        let page = at(&data);
        for node in page["nodes"].as_array().unwrap() {
            forward.push(node["key"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let mut backward = Vec::new();
    let mut before = Value::Null;
    loop {
        let data = app
            .data(
                document,
                json!({ "o": order, "last": size, "before": before }),
            )
            .await;
        let page = at(&data);
        let mut keys: Vec<String> = page["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["key"].as_str().unwrap().to_owned())
            .collect();
        keys.extend(backward);
        backward = keys;
        if page["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = page["pageInfo"]["startCursor"].clone();
    }
    (forward, backward)
}

/// `orderBy` as a list: each column in turn, then the id; cursors page exactly forwards and
/// backwards, top-level and nested (one windowed statement), nullable columns included.
async fn sorts_by_several_columns_with_exact_cursors(app: TestApp) {
    // (slug, category, price): ties on price.
    let products = [
        ("a", "kitchen", 500),
        ("b", "pantry", 500),
        ("c", "kitchen", 900),
        ("d", "kitchen", 500),
        ("e", "pantry", 100),
        ("f", "kitchen", 900),
        ("g", "pantry", 500),
    ];
    for (slug, category, price) in products {
        app.create_product(slug, category, price, 1).await;
    }
    let document =
        "query($o: [ProductSort!], $first: Int, $after: String, $last: Int, $before: String) {
        products(orderBy: $o, first: $first, after: $after, last: $last, before: $before) {
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { key: slug } } }";
    // Price descending, ties by name.
    let order = json!([{ "field": "PRICE_CENTS", "direction": "DESC" }, { "field": "NAME" }]);
    for size in [1, 2, 3, 100] {
        let (forward, backward) = walk(&app, document, &["products"], &order, size).await;
        let mut by_price: Vec<(i64, String)> = products
            .iter()
            .map(|(slug, _, price)| (-price, format!("Product {slug}")))
            .collect();
        by_price.sort();
        let want: Vec<String> = by_price
            .iter()
            .map(|(_, name)| name.trim_start_matches("Product ").to_owned())
            .collect();
        assert_eq!(forward, want, "price desc, name: pages of {size}");
        assert_eq!(
            backward, want,
            "price desc, name, backwards: pages of {size}"
        );
    }

    // A nullable column first, under each of several users: drafts (no publication time)
    // last going down, ties broken by title, then id.
    let mut users = Vec::new();
    for u in 0..3 {
        let user = app
            .create_user(&format!("u{u}@example.com"), &format!("U{u}"))
            .await;
        for (i, publish) in [false, true, false, true, true].iter().enumerate() {
            app.create_post(&user, &format!("t{}", i % 2), *publish)
                .await;
        }
        users.push(user);
    }
    let nested = "query($u: ID!, $o: [PostSort!], $first: Int, $after: String, $last: Int, $before: String) {
        user(id: $u) { posts(orderBy: $o, first: $first, after: $after, last: $last, before: $before) {
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { key: id publishedAt } } } }";
    let order =
        json!([{ "field": "PUBLISHED_AT", "direction": "DESC" }, { "field": "CREATED_AT" }]);
    for user in &users {
        let full = app
            .data(nested, json!({ "u": user, "o": order, "first": 100 }))
            .await;
        let all: Vec<String> = full["user"]["posts"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["key"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(all.len(), 5);
        let times: Vec<Value> = full["user"]["posts"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["publishedAt"].clone())
            .collect();
        assert!(
            times[3].is_null() && times[4].is_null(),
            "drafts last: {times:?}"
        );
        let published: Vec<&str> = times[..3].iter().map(|t| t.as_str().unwrap()).collect();
        let mut newest_first = published.clone();
        newest_first.sort_by(|a, b| b.cmp(a));
        assert_eq!(published, newest_first);
        for size in [1, 2] {
            let mut forward = Vec::new();
            let mut after = Value::Null;
            loop {
                let data = app
                    .data(
                        nested,
                        json!({ "u": user, "o": order, "first": size, "after": after }),
                    )
                    .await;
                let page = &data["user"]["posts"];
                forward.extend(
                    page["nodes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|n| n["key"].as_str().unwrap().to_owned()),
                );
                if page["pageInfo"]["hasNextPage"] == false {
                    break;
                }
                after = page["pageInfo"]["endCursor"].clone();
            }
            assert_eq!(forward, all, "nested, pages of {size}");
        }
    }

    // A cursor belongs to its ordering; a column named twice, or four columns, are refused.
    let one = app
        .data(
            document,
            json!({ "o": [{ "field": "PRICE_CENTS" }], "first": 1 }),
        )
        .await;
    let cursor = one["products"]["pageInfo"]["endCursor"].clone();
    let two = json!([{ "field": "PRICE_CENTS" }, { "field": "NAME" }]);
    let twice = json!([{ "field": "NAME" }, { "field": "NAME", "direction": "DESC" }]);
    let four = json!([{ "field": "ID" }, { "field": "NAME" }, { "field": "PRICE_CENTS" }, { "field": "CREATED_AT" }]);
    for (order, after) in [(two, cursor), (twice, Value::Null), (four, Value::Null)] {
        let code = app
            .error_code(document, json!({ "o": order, "first": 1, "after": after }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{order}");
    }
    // One object where a list is expected is a list of one (GraphQL's input coercion).
    app.data(
        "{ products(orderBy: { field: PRICE_CENTS, direction: DESC }) { totalCount } }",
        json!({}),
    )
    .await;
}
