//! Counting SQL statements per request proves nested lists are batched, not N+1.

use serde_json::json;
use tests::{Kind, TestApp, both_backends, gid};

both_backends!(nested_query_statement_count_is_flat);

/// Creates `users` users with 3 posts each, in one request per user.
async fn seed(app: &TestApp, offset: usize, users: usize) {
    for i in offset..offset + users {
        let id = app
            .create_user(&format!("user{i}@example.com"), &format!("User {i}"))
            .await;
        app.data(
            "mutation($a: ID!) {
                p1: createPost(input: { authorId: $a, title: \"one\", content: \"\", publish: true }) { id }
                p2: createPost(input: { authorId: $a, title: \"two\", content: \"\" }) { id }
                p3: createPost(input: { authorId: $a, title: \"three\", content: \"\", publish: true }) { id }
            }",
            json!({ "a": id }),
        )
        .await;
    }
}

/// Statements of one run of `query`, after a first run has warmed the admin's cached
/// credentials (their lookup is per request, not per level, and cached for a few seconds).
async fn statements_for(app: &TestApp, query: &str) -> u64 {
    app.data(query, json!({})).await;
    let (_, n) = app.count_statements(app.data(query, json!({}))).await;
    n
}

async fn nested_query_statement_count_is_flat(app: TestApp) {
    let query = "{ users(first: 50) { nodes { name posts(first: 10) { nodes { title author { name } } } } } }";
    let with_counts = "{ users(first: 50) { totalCount nodes { name posts(first: 10) { totalCount nodes { author { name } } } } } }";
    let orders = "{ orders(first: 50) { nodes { totalCents customer { name } items { quantity product { name } } } } }";
    let nested_orders = "{ users(first: 50) { nodes { orders(first: 5) { nodes { totalCents customer { name } items { quantity product { name } } } } } } }";

    let nested_filter = "{ users(first: 50, filter: { or: [{ name: { startsWith: \"User 1\" } }, { not: { id: { eq: \"VXNlcjox\" } } }] }) { nodes { posts(first: 10, orderBy: [{ field: PUBLISHED_AT, direction: DESC }, { field: CREATED_AT }], filter: { or: [{ status: { eq: PUBLISHED } }, { title: { eq: \"two\" } }], not: { publishedAt: { isNull: true }, title: { eq: \"x\" } } }) { totalCount nodes { title } } } } }";

    seed(&app, 0, 5).await;
    let small = statements_for(&app, query).await;
    let small_nested_filter = statements_for(&app, nested_filter).await;
    let small_counts = statements_for(&app, with_counts).await;

    seed(&app, 5, 45).await;
    let data = app.data(query, json!({})).await;
    assert_eq!(data["users"]["nodes"].as_array().unwrap().len(), 50);
    assert_eq!(
        data["users"]["nodes"][49]["posts"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // A user's posts answer `author` with that user.
    for user in data["users"]["nodes"].as_array().unwrap() {
        for post in user["posts"]["nodes"].as_array().unwrap() {
            assert_eq!(post["author"]["name"], user["name"], "{post}");
        }
    }
    let large = statements_for(&app, query).await;
    let large_counts = statements_for(&app, with_counts).await;
    let large_nested_filter = statements_for(&app, nested_filter).await;
    // `and`/`or`/`not` and a sort by several columns add conditions, never statements.
    assert_eq!(
        small_nested_filter, large_nested_filter,
        "5 users: {small_nested_filter} statements, 50 users: {large_nested_filter}"
    );
    assert!(large_nested_filter <= 3, "{large_nested_filter} statements");

    // users page + posts of all users (one windowed statement); the authors are users the
    // page already loaded, so they cost no statement of their own.
    assert_eq!(
        small, large,
        "5 users: {small} statements, 50 users: {large}"
    );
    assert!(large <= 2, "{large} statements");
    // totalCount adds one count for the page and one grouped count for all nested lists.
    assert_eq!(small_counts, large_counts);
    assert!(large_counts <= large + 2, "{large_counts} statements");

    // Orders with customers, items and products: one statement per level.
    let mug = app.create_product("mug", "kitchen", 500, 10_000).await;
    let tea = app.create_product("tea", "pantry", 700, 10_000).await;
    for i in 0..5 {
        app.create_order(&gid(Kind::User, i + 1), &[(mug, 1), (tea, 2)])
            .await;
    }
    let few = statements_for(&app, orders).await;
    let few_nested = statements_for(&app, nested_orders).await;
    for i in 5..40 {
        app.create_order(&gid(Kind::User, i + 1), &[(mug, 1), (tea, 2)])
            .await;
    }
    let many = statements_for(&app, orders).await;
    assert_eq!(few, many, "5 orders: {few} statements, 40 orders: {many}");
    assert!(many <= 4, "{many} statements");
    // Users' orders the same way, under all 50 users at once.
    let many_nested = statements_for(&app, nested_orders).await;
    assert_eq!(
        few_nested, many_nested,
        "5 orders: {few_nested} statements, 40 orders: {many_nested}"
    );
    assert!(many_nested <= 5, "{many_nested} statements");

    // `nodes` reads each type it is asked for in one statement, however many ids.
    let nodes = |orders: i32| {
        let ids: Vec<String> = (1..=orders)
            .flat_map(|i| {
                [
                    gid(Kind::Order, i),
                    gid(Kind::User, i),
                    gid(Kind::Product, if i % 2 == 0 { mug } else { tea }),
                ]
            })
            .collect();
        format!("{{ nodes(ids: {}) {{ id }} }}", json!(ids))
    };
    let few_nodes = statements_for(&app, &nodes(3)).await;
    let many_nodes = statements_for(&app, &nodes(33)).await;
    assert_eq!(
        few_nodes, many_nodes,
        "9 ids: {few_nodes} statements, 99 ids: {many_nodes}"
    );
    assert!(many_nodes <= 3, "{many_nodes} statements");
}
