//! Nested lists and lookups read only the columns a query selects; every field still answers
//! the stored value however it is selected (alone, with others, under `edges`, in a fragment)
//! and whatever the list is ordered by.

use serde_json::{Value, json};
use tests::{Kind, TestApp, both_backends, gid};

both_backends!(nested_posts_answer_stored_values_for_any_selection);

const FIELDS: [&str; 5] = ["content", "status", "publishedAt", "updatedAt", "createdAt"];

/// The user's posts as the root `post` lookup reads them (every column), by id.
async fn stored(app: &TestApp, ids: &[String]) -> Vec<Value> {
    let mut posts = Vec::new();
    for id in ids {
        let data = app
            .data(
                "query($id: ID!) { post(id: $id) { id title content status publishedAt updatedAt createdAt } }",
                json!({ "id": id }),
            )
            .await;
        posts.push(data["post"].clone());
    }
    posts
}

/// The nodes of `user(id){ posts(args) { … } }` selecting `selection`, listed under `nodes`
/// or under `edges.node`.
async fn nested(app: &TestApp, user: &str, args: &str, selection: &str, edges: bool) -> Vec<Value> {
    let list = if edges {
        format!("edges {{ node {{ {selection} }} }}")
    } else {
        format!("nodes {{ {selection} }}")
    };
    let fragment = if selection.contains("...PostDates") {
        "fragment PostDates on Post { publishedAt updatedAt }"
    } else {
        ""
    };
    let query =
        format!("query($u: ID!) {{ user(id: $u) {{ posts({args}) {{ {list} }} }} }} {fragment}");
    let data = app.data(&query, json!({ "u": user })).await;
    let page = &data["user"]["posts"];
    if edges {
        page["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .collect()
    } else {
        page["nodes"].as_array().unwrap().clone()
    }
}

fn by_id<'a>(posts: &'a [Value], id: &Value) -> &'a Value {
    posts.iter().find(|p| &p["id"] == id).expect("post listed")
}

async fn nested_posts_answer_stored_values_for_any_selection(app: TestApp) {
    let user = app.create_user("writer@example.com", "Writer").await;
    let mut ids = Vec::new();
    for (title, content, publish) in [("one", "Body one", true), ("two", "Body two", false)] {
        let data = app
            .data(
                "mutation($a: ID!, $t: String!, $c: String!, $p: Boolean!) { createPost(input: { authorId: $a, title: $t, content: $c, publish: $p }) { id } }",
                json!({ "a": user, "t": title, "c": content, "p": publish }),
            )
            .await;
        ids.push(data["createPost"]["id"].as_str().unwrap().to_owned());
    }
    // An edit, so the first post's updatedAt differs from its createdAt.
    app.data(
        "mutation($id: ID!) { updatePost(id: $id, input: { content: \"Edited\" }) { id } }",
        json!({ "id": ids[0] }),
    )
    .await;
    let stored = stored(&app, &ids).await;
    assert_ne!(stored[0]["updatedAt"], stored[0]["createdAt"]);
    assert_eq!(stored[1]["publishedAt"], Value::Null);

    // Each field alone, all together, under nodes and under edges.
    let mut selections: Vec<String> = FIELDS.iter().map(|f| format!("id {f}")).collect();
    selections.push(format!("id title {}", FIELDS.join(" ")));
    selections.push("id ...PostDates".into());
    selections.push("id ... on Post { content status }".into());
    for selection in &selections {
        for edges in [false, true] {
            let listed = nested(&app, &user, "first: 10", selection, edges).await;
            assert_eq!(listed.len(), 2, "{selection}");
            for post in &listed {
                let expected = by_id(&stored, &post["id"]);
                for (field, value) in post.as_object().unwrap() {
                    assert_eq!(value, &expected[field], "{field} under `{selection}`");
                }
            }
        }
    }

    // Ordered by publication without selecting it: the cursor still comes from the stored
    // value, so the second page follows the first.
    let order = "orderBy: { field: PUBLISHED_AT, direction: DESC }";
    let query = format!(
        "query($u: ID!, $after: String) {{ user(id: $u) {{ posts(first: 1, after: $after, {order}) {{ pageInfo {{ endCursor hasNextPage }} nodes {{ id title }} }} }} }}"
    );
    let first = app.data(&query, json!({ "u": user })).await;
    let page = &first["user"]["posts"];
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let second = app
        .data(
            &query,
            json!({ "u": user, "after": page["pageInfo"]["endCursor"] }),
        )
        .await;
    let mut seen = vec![
        page["nodes"][0]["id"].clone(),
        second["user"]["posts"]["nodes"][0]["id"].clone(),
    ];
    seen.sort_by_key(|v| v.as_str().unwrap().to_owned());
    let mut all: Vec<Value> = ids.iter().map(|id| json!(id)).collect();
    all.sort_by_key(|v| v.as_str().unwrap().to_owned());
    assert_eq!(seen, all);
}

both_backends!(nested_lookups_answer_stored_values_for_any_selection);

const USER_FIELDS: [&str; 9] = [
    "name",
    "email",
    "status",
    "cardNumber",
    "pointsBalance",
    "tier",
    "lifetimePoints",
    "createdAt",
    "updatedAt",
];
const PRODUCT_FIELDS: [&str; 8] = [
    "sku",
    "slug",
    "name",
    "category",
    "priceCents",
    "stock",
    "createdAt",
    "updatedAt",
];

/// Each field alone, all together, in a named fragment and in an inline fragment, each with
/// `id`; the named fragment's text comes second.
fn selections(fields: &[&str], on: &str) -> Vec<(String, String)> {
    let mut selections: Vec<(String, String)> = fields
        .iter()
        .map(|f| (format!("id {f}"), String::new()))
        .collect();
    selections.push((format!("id {}", fields.join(" ")), String::new()));
    selections.push((
        "id ...Some".into(),
        format!("fragment Some on {on} {{ {} {} }}", fields[1], fields[4]),
    ));
    selections.push((
        format!("id ... on {on} {{ {} {} }}", fields[0], fields[3]),
        String::new(),
    ));
    selections
}

/// `answer` has at least two fields (`id` and what was asked), each equal to the stored one.
fn assert_stored(answer: &Value, stored: &Value, context: &str) {
    let fields = answer.as_object().expect("an object");
    assert!(fields.len() >= 2, "{context}: {answer}");
    assert_fields(answer, stored, context);
}

async fn nested_lookups_answer_stored_values_for_any_selection(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    let post = app.create_post(&ada, "Hello", true).await;
    let mug = app.create_product("mug", "kitchen", 1_250, 10).await;
    let order = gid(Kind::Order, app.create_order(&ada, &[(mug, 2)]).await);
    // The root lookups read every column.
    let stored = app
        .data(
            &format!(
                "query($u: ID!, $p: ID!) {{ user(id: $u) {{ id {} }} product(by: {{ id: $p }}) {{ id {} }} }}",
                USER_FIELDS.join(" "),
                PRODUCT_FIELDS.join(" ")
            ),
            json!({ "u": ada, "p": gid(Kind::Product, mug) }),
        )
        .await;
    let (user, product) = (&stored["user"], &stored["product"]);
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(product["priceCents"], 1_250);

    let vars = json!({ "u": ada, "p": post, "o": order });
    for (selection, fragment) in selections(&USER_FIELDS, "User") {
        let data = app
            .data(
                &format!(
                    "query($u: ID!, $p: ID!, $o: ID!) {{
                        order(id: $o) {{ customer {{ {selection} }} }}
                        post(id: $p) {{ author {{ {selection} }} }}
                        narrow: order(id: $o) {{ customer {{ name posts(first: 5) {{ nodes {{ author {{ {selection} }} }} }} }} }}
                        user(id: $u) {{ id {} posts(first: 5) {{ nodes {{ author {{ {selection} }} }} }} }}
                    }} {fragment}",
                    USER_FIELDS.join(" ")
                ),
                vars.clone(),
            )
            .await;
        assert_stored(&data["order"]["customer"], user, &selection);
        assert_stored(&data["post"]["author"], user, &selection);
        // A user's own posts name them as author from what was read for the user when that
        // holds what the author's selection needs (`user` read every column), and look them
        // up otherwise (`narrow` read the customer's name only).
        let narrow = &data["narrow"]["customer"]["posts"]["nodes"][0]["author"];
        assert_stored(narrow, user, &format!("narrow: {selection}"));
        let author = &data["user"]["posts"]["nodes"][0]["author"];
        assert_stored(author, user, &format!("user: {selection}"));
    }
    for (selection, fragment) in selections(&PRODUCT_FIELDS, "Product") {
        let data = app
            .data(
                &format!(
                    "query($o: ID!) {{ order(id: $o) {{ items {{ product {{ {selection} }} }} }} }} {fragment}"
                ),
                json!({ "o": order }),
            )
            .await;
        assert_stored(&data["order"]["items"][0]["product"], product, &selection);
    }

    // One row asked for twice with different selections answers both.
    let data = app
        .data(
            "query($o: ID!) { order(id: $o) { a: customer { name } b: customer { email tier } items { product { name } again: product { sku stock } } } }",
            json!({ "o": order }),
        )
        .await;
    let order = &data["order"];
    assert_eq!(order["a"]["name"], "Ada");
    assert_eq!(order["b"]["email"], user["email"]);
    assert_eq!(order["b"]["tier"], user["tier"]);
    assert_eq!(order["items"][0]["product"]["name"], product["name"]);
    assert_eq!(order["items"][0]["again"]["sku"], product["sku"]);
    assert_eq!(order["items"][0]["again"]["stock"], product["stock"]);
}

both_backends!(listed_orders_answer_stored_customers_items_and_products);

/// Every order of `answer` (a list of order objects with `id`) answers what `stored` (by id)
/// holds: its fields, its customer's, its items' and their products'.
fn assert_orders(answer: &Value, stored: &Value, context: &str) {
    let orders = answer.as_array().expect("a list of orders");
    assert!(!orders.is_empty(), "{context}: no orders");
    for order in orders {
        let id = order["id"].as_str().expect("order id");
        let want = &stored[id];
        for (field, value) in order.as_object().unwrap() {
            match field.as_str() {
                "items" => {
                    let items = value.as_array().unwrap();
                    assert_eq!(items.len(), want["items"].as_array().unwrap().len());
                    for (item, want) in items.iter().zip(want["items"].as_array().unwrap()) {
                        for (field, value) in item.as_object().unwrap() {
                            if field == "product" {
                                assert_fields(value, &want["product"], context);
                            } else {
                                assert_eq!(value, &want[field], "item {field} in `{context}`");
                            }
                        }
                    }
                }
                "customer" | "a" | "b" => assert_fields(value, &want["customer"], context),
                _ => assert_eq!(value, &want[field], "order {field} in `{context}`"),
            }
        }
    }
}

/// Every field of `answer` (an object) equals the stored one.
fn assert_fields(answer: &Value, stored: &Value, context: &str) {
    for (field, value) in answer.as_object().expect("an object") {
        assert_eq!(value, &stored[field], "{field} under `{context}`");
    }
}

/// The orders of each list that `query` selects (under `orders`, `edges`, a user's `orders`
/// and each listed user's), as one list.
fn listed(data: &Value) -> Vec<Value> {
    let mut orders = data["orders"]["nodes"].as_array().unwrap().clone();
    orders.extend(
        data["edges"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone()),
    );
    orders.extend(data["user"]["orders"]["nodes"].as_array().unwrap().clone());
    for user in data["users"]["nodes"].as_array().unwrap() {
        orders.extend(user["orders"]["nodes"].as_array().unwrap().clone());
    }
    orders
}

/// `selection` on every order of the lists `listed` reads.
fn lists_query(selection: &str, fragment: &str) -> String {
    format!(
        "query($u: ID!) {{
            orders(first: 10) {{ nodes {{ id {selection} }} }}
            edges: orders(first: 10) {{ edges {{ node {{ id {selection} }} }} }}
            user(id: $u) {{ orders(first: 10) {{ nodes {{ id {selection} }} }} }}
            users(first: 10) {{ nodes {{ orders(first: 10) {{ nodes {{ id {selection} }} }} }} }}
        }} {fragment}"
    )
}

async fn listed_orders_answer_stored_customers_items_and_products(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    let bob = app.create_user("bob@example.com", "Bob").await;
    let mug = app.create_product("mug", "kitchen", 1_250, 10).await;
    let tea = app.create_product("tea", "pantry", 700, 10).await;
    let mut ids = Vec::new();
    for (customer, lines) in [
        (&ada, vec![(mug, 2), (tea, 1)]),
        (&bob, vec![(tea, 3)]),
        (&ada, vec![(mug, 1)]),
    ] {
        ids.push(gid(Kind::Order, app.create_order(customer, &lines).await));
    }
    // Each order as the root lookup reads it (through the loaders, every column).
    let mut stored = json!({});
    for id in &ids {
        let data = app
            .data(
                &format!(
                    "query($o: ID!) {{ order(id: $o) {{ id status totalCents itemCount customerId
                        customer {{ id {} }}
                        items {{ id quantity unitPriceCents lineTotalCents productId product {{ id {} }} }} }} }}",
                    USER_FIELDS.join(" "),
                    PRODUCT_FIELDS.join(" ")
                ),
                json!({ "o": id }),
            )
            .await;
        stored[id] = data["order"].clone();
    }
    assert_eq!(stored[&ids[0]]["itemCount"], 3);
    assert_eq!(stored[&ids[1]]["customer"]["name"], "Bob");

    let vars = json!({ "u": ada });
    for (selection, fragment) in selections(&USER_FIELDS, "User") {
        let query = lists_query(&format!("customer {{ {selection} }}"), &fragment);
        let data = app.data(&query, vars.clone()).await;
        let orders = json!(listed(&data));
        // 3 + 3 listed, 2 of Ada's, and each user's own.
        assert_eq!(orders.as_array().unwrap().len(), 11, "{selection}");
        assert_orders(&orders, &stored, &selection);
    }
    for (selection, fragment) in selections(&PRODUCT_FIELDS, "Product") {
        let query = lists_query(
            &format!("items {{ quantity product {{ {selection} }} }}"),
            &fragment,
        );
        let data = app.data(&query, vars.clone()).await;
        assert_orders(&json!(listed(&data)), &stored, &selection);
    }
    // Different selections of the same rows under `nodes`, `edges` and aliases: each answers
    // what it asked for.
    for selection in [
        "itemCount",
        "totalCents items { lineTotalCents productId }",
        "a: customer { name } b: customer { email tier } itemCount",
        "customer { name } ... on Order { customer { cardNumber } items { product { sku } } }",
        "items { product { name } } ... on Order { items { id product { stock slug } } }",
    ] {
        let data = app.data(&lists_query(selection, ""), vars.clone()).await;
        assert_orders(&json!(listed(&data)), &stored, selection);
    }
    let data = app
        .data(
            "{ orders(first: 10) { nodes { id customer { name } } edges { node { id customer { email } items { product { name } } } } } }",
            json!({}),
        )
        .await;
    let page = &data["orders"];
    assert_orders(&page["nodes"], &stored, "nodes beside edges");
    let nodes: Vec<Value> = page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert_orders(&json!(nodes), &stored, "edges beside nodes");
    assert_eq!(page["nodes"][0]["customer"].as_object().unwrap().len(), 1);
}
