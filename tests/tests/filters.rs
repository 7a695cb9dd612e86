//! Typed filters on the lists.

use serde_json::{Value, json};
use tests::{TestApp, both_backends};

both_backends!(
    filters_products,
    filters_posts_and_users,
    filters_orders,
    filters_combine_with_and_or_not_and_is_null
);

fn ids(list: &Value, field: &str) -> Vec<String> {
    list["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n[field].as_str().unwrap().to_owned())
        .collect()
}

async fn filters_products(app: TestApp) {
    app.create_product("mug", "kitchen", 1_000, 5).await;
    app.create_product("knife", "kitchen", 9_000, 0).await;
    app.create_product("tea", "pantry", 1_200, 50).await;
    let pen = json!({ "sku": "PEN_1", "slug": "pen", "name": "Pen 100% steel", "category": "stationery",
        "priceCents": 4_500, "stock": 3 });
    app.data(
        "mutation($p: CreateProductInput!) { createProduct(input: $p) { id } }",
        json!({ "p": pen }),
    )
    .await;
    let run = |filter: Value| {
        let app = &app;
        async move {
            let data = app
                .data(
                    "query($f: ProductFilter) { products(filter: $f, orderBy: { field: PRICE_CENTS, direction: ASC }) { totalCount nodes { slug } } }",
                    json!({ "f": filter }),
                )
                .await;
            (
                data["products"]["totalCount"].as_u64().unwrap(),
                ids(&data["products"], "slug"),
            )
        }
    };
    assert_eq!(
        run(json!({ "category": { "eq": "kitchen" } })).await,
        (2, vec!["mug".into(), "knife".into()])
    );
    assert_eq!(
        run(json!({ "priceCents": { "gte": 1000, "lt": 5000 } }))
            .await
            .1,
        ["mug", "tea", "pen"]
    );
    assert_eq!(
        run(json!({ "category": { "in": ["pantry", "stationery"] } }))
            .await
            .0,
        2
    );
    assert_eq!(
        run(json!({ "stock": { "gt": 0 }, "category": { "eq": "kitchen" } }))
            .await
            .1,
        ["mug"]
    );
    assert_eq!(
        run(json!({ "name": { "contains": "KNI" } })).await.1,
        ["knife"]
    );
    // LIKE wildcards in user text match literally.
    assert_eq!(
        run(json!({ "name": { "contains": "0%" } })).await.1,
        ["pen"]
    );
    assert_eq!(run(json!({ "sku": { "contains": "N_" } })).await.1, ["pen"]);
    assert_eq!(run(json!({ "sku": { "contains": "_" } })).await.1, ["pen"]);
    assert_eq!(
        run(json!({ "slug": { "startsWith": "m" } })).await.1,
        ["mug"]
    );
    assert_eq!(run(json!({ "id": { "in": [] } })).await.0, 0);
}

async fn filters_posts_and_users(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    let bob = app.create_user("bob@example.com", "Bob").await;
    app.create_post(&ada, "ada draft", false).await;
    app.create_post(&ada, "ada live", true).await;
    app.create_post(&bob, "bob live", true).await;
    let data = app
        .data(
            "query($a: ID!) {
                published: posts(filter: { status: { eq: PUBLISHED } }) { totalCount }
                byAda: posts(filter: { authorId: { eq: $a } }) { totalCount }
                adaLive: posts(filter: { authorId: { in: [$a] }, status: { ne: DRAFT } }) { nodes { title } }
                recent: posts(filter: { publishedAt: { gte: \"2000-01-01T00:00:00Z\" } }) { totalCount }
                bronze: users(filter: { tier: { eq: BRONZE }, name: { startsWith: \"b\" } }) { nodes { email } }
            }",
            json!({ "a": ada }),
        )
        .await;
    assert_eq!(data["published"]["totalCount"], 2);
    assert_eq!(data["byAda"]["totalCount"], 2);
    assert_eq!(ids(&data["adaLive"], "title"), ["ada live"]);
    assert_eq!(data["recent"]["totalCount"], 2);
    assert_eq!(ids(&data["bronze"], "email"), ["bob@example.com"]);
    let code = app
        .error_code(
            "{ posts(filter: { authorId: { eq: \"x\" } }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

async fn filters_orders(app: TestApp) {
    let ada = app.create_user("ada@example.com", "Ada").await;
    let bob = app.create_user("bob@example.com", "Bob").await;
    let mug = app.create_product("mug", "kitchen", 1_000, 100).await;
    app.create_order(&ada, &[(mug, 1)]).await;
    app.create_order(&ada, &[(mug, 3)]).await;
    app.create_order(&bob, &[(mug, 2)]).await;
    let data = app
        .data(
            "query($a: ID!) {
                ada: orders(filter: { customerId: { eq: $a } }) { totalCount }
                big: orders(filter: { totalCents: { gte: 2000 } }, orderBy: { field: TOTAL_CENTS, direction: DESC }) { nodes { totalCents } }
                pending: orders(filter: { status: { eq: PENDING }, createdAt: { lte: \"2999-01-01T00:00:00Z\" } }) { totalCount }
                paid: orders(filter: { status: { eq: PAID } }) { totalCount }
                user(id: $a) { orders(filter: { totalCents: { lt: 2000 } }) { totalCount } }
            }",
            json!({ "a": ada }),
        )
        .await;
    assert_eq!(data["ada"]["totalCount"], 2);
    let totals: Vec<i64> = data["big"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["totalCents"].as_i64().unwrap())
        .collect();
    assert_eq!(totals, [3000, 2000]);
    assert_eq!(data["pending"]["totalCount"], 3);
    assert_eq!(data["paid"]["totalCount"], 0);
    assert_eq!(data["user"]["orders"]["totalCount"], 1);
}

/// `and`, `or`, `not` and `isNull`, nested, the same on both databases; nesting is bounded.
async fn filters_combine_with_and_or_not_and_is_null(app: TestApp) {
    app.create_product("mug", "kitchen", 1_000, 5).await;
    app.create_product("knife", "kitchen", 9_000, 0).await;
    app.create_product("tea", "pantry", 1_200, 50).await;
    app.create_product("pen", "stationery", 4_500, 3).await;
    let slugs = |filter: Value| {
        let app = &app;
        async move {
            let data = app
                .data(
                    "query($f: ProductFilter) { products(filter: $f, orderBy: { field: PRICE_CENTS }) { totalCount nodes { slug } } }",
                    json!({ "f": filter }),
                )
                .await;
            let found = ids(&data["products"], "slug");
            assert_eq!(data["products"]["totalCount"], found.len(), "{data}");
            found
        }
    };
    // Kitchen things in stock, or anything from the pantry.
    assert_eq!(
        slugs(json!({ "or": [
            { "category": { "eq": "kitchen" }, "stock": { "gt": 0 } },
            { "category": { "eq": "pantry" } }
        ] }))
        .await,
        ["mug", "tea"]
    );
    // Not kitchen, and (with `and`) under 50.00.
    assert_eq!(
        slugs(json!({ "not": { "category": { "eq": "kitchen" } }, "and": [{ "priceCents": { "lt": 5_000 } }] })).await,
        ["tea", "pen"]
    );
    // Nested three deep: not (kitchen and not in stock).
    assert_eq!(
        slugs(json!({ "not": { "and": [{ "category": { "eq": "kitchen" } }, { "not": { "stock": { "gt": 0 } } }] } })).await,
        ["mug", "tea", "pen"]
    );
    // Empty nested filters match everything; `not` of one matches nothing.
    assert_eq!(slugs(json!({ "or": [], "and": [{}] })).await.len(), 4);
    assert_eq!(
        slugs(json!({ "or": [{}, { "slug": { "eq": "pen" } }] }))
            .await
            .len(),
        4
    );
    assert!(slugs(json!({ "not": {} })).await.is_empty());
    // `isNull` on a column that is never null.
    assert!(
        slugs(json!({ "name": { "isNull": true } }))
            .await
            .is_empty()
    );
    assert_eq!(slugs(json!({ "name": { "isNull": false } })).await.len(), 4);

    // `isNull` on a nullable column: drafts have no publication time.
    let ada = app.create_user("ada@example.com", "Ada").await;
    app.create_post(&ada, "draft", false).await;
    app.create_post(&ada, "out", true).await;
    for (is_null, title) in [(true, "draft"), (false, "out")] {
        let data = app
            .data(
                "query($n: Boolean) { posts(filter: { publishedAt: { isNull: $n } }) { nodes { title } } }",
                json!({ "n": is_null }),
            )
            .await;
        assert_eq!(ids(&data["posts"], "title"), [title], "{data}");
    }
    // A customer's `or` cannot widen what they see: the draft stays the admin's and Ada's.
    let (_, bob) = app.signup("bob@example.com", "Bob").await;
    let body = app
        .graphql_as(
            Some(&bob),
            "{ posts(filter: { or: [{ status: { eq: DRAFT } }, { title: { eq: \"draft\" } }] }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["posts"]["totalCount"], 0, "{body}");

    // Bounded: five levels deep, or more than 16 nested filters, is BAD_USER_INPUT.
    let mut deep = json!({ "slug": { "eq": "mug" } });
    for _ in 0..5 {
        deep = json!({ "not": deep });
    }
    let wide =
        json!({ "or": (0..17).map(|_| json!({ "slug": { "eq": "mug" } })).collect::<Vec<_>>() });
    for filter in [deep, wide] {
        let code = app
            .error_code(
                "query($f: ProductFilter) { products(filter: $f) { totalCount } }",
                json!({ "f": filter }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{filter}");
    }
    let mut four = json!({ "slug": { "eq": "mug" } });
    for _ in 0..4 {
        four = json!({ "not": four });
    }
    assert_eq!(slugs(four).await, ["mug"]);
}
