//! What clients see at the defaults: introspection as GraphiQL and graphql-codegen send it, the
//! cost report, and the response shapes the GraphQL spec and GraphQL-over-HTTP ask for.

use serde_json::{Value, json};
use tests::{Backend, on_each_backend};

on_each_backend!(
    introspection_and_ordinary_pages_pass_at_the_defaults,
    request_errors_have_no_data_entry
);

async fn introspection_and_ordinary_pages_pass_at_the_defaults(backend: Backend) {
    let app = tests::spawn_app_with(backend, &[]).await;
    let query = include_str!("../introspection.graphql");
    let body = app.graphql_as(None, query, json!({})).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let types = body["data"]["__schema"]["types"].as_array().expect("types");
    let query_type = types.iter().find(|t| t["name"] == "Query").expect("Query");
    let products = query_type["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == "products")
        .expect("Query.products");
    let args: Vec<&str> = products["args"]
        .as_array()
        .expect("args")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(
        args.contains(&"first") && args.contains(&"filter"),
        "{args:?}"
    );
    assert_eq!(body["extensions"]["cost"]["requested"], 0, "{body:#}");

    // The headline page, 50 users × 10 posts × author, is served and costs 1,101.
    let page = "{ users(first: 50) { nodes { id name posts(first: 10) { nodes { id title author { id name } } } } } }";
    let body = app.graphql(page, json!({})).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(
        body["extensions"]["cost"],
        json!({ "requested": 1101, "limit": 25000 })
    );
    // A variable page size counts as given.
    let body = app
        .graphql(
            "query($n: Int) { products(first: $n) { nodes { id } } }",
            json!({ "n": 3 }),
        )
        .await;
    assert_eq!(body["extensions"]["cost"]["requested"], 4, "{body:#}");
    // Three nested pages of 100 are not.
    let cube = "{ users(first: 100) { nodes { posts(first: 100) { nodes { author { posts(first: 100) { nodes { id } } } } } } } }";
    let error = app.error(cube, json!({})).await;
    assert_eq!(
        error["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "{error:#}"
    );
    assert!(
        error["extensions"]["cost"].as_u64() > Some(1_000_000),
        "{error:#}"
    );
    // Introspection that squares the schema is refused for that, not for its depth.
    let square = "{ __schema { types { fields { type { fields { name } } } } } }";
    let error = app.error(square, json!({})).await;
    assert_eq!(
        error["extensions"]["code"], "QUERY_TOO_COMPLEX",
        "{error:#}"
    );
}

async fn request_errors_have_no_data_entry(backend: Backend) {
    let app = tests::spawn_app_with(backend, &[]).await;
    let refused: [(&str, Option<&str>, &str); 5] = [
        ("{ products { ", None, "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", None, "GRAPHQL_VALIDATION_FAILED"),
        (
            "query A { me { id } }",
            Some("B"),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "{ users(first: 100) { nodes { posts(first: 100) { nodes { author { posts(first: 100) { nodes { id } } } } } } } }",
            None,
            "QUERY_TOO_COMPLEX",
        ),
        ("{ me { id } }", Some("bad token"), "UNAUTHENTICATED"),
    ];
    for accept in ["application/graphql-response+json", "application/json"] {
        for (query, extra, code) in refused {
            let mut request = app
                .client
                .post(app.url("/graphql"))
                .header("accept", accept);
            let mut body = json!({ "query": query });
            match (code, extra) {
                ("UNAUTHENTICATED", Some(token)) => request = request.bearer_auth(token),
                (_, Some(operation)) => body["operationName"] = json!(operation),
                _ => {}
            }
            let response = request.json(&body).send().await.expect("sent");
            let text = response.text().await.expect("body");
            let body: Value = serde_json::from_str(&text).expect("JSON");
            assert_eq!(
                body["errors"][0]["extensions"]["code"], code,
                "{accept}: {text}"
            );
            assert!(body.get("data").is_none(), "{accept}: {query}: {text}");
            for error in body["errors"].as_array().expect("errors") {
                for location in error["locations"].as_array().into_iter().flatten() {
                    assert!(location["line"].as_u64() >= Some(1), "{text}");
                    assert!(location["column"].as_u64() >= Some(1), "{text}");
                }
            }
        }
    }
    // A field error is not a request error: `data` stays. An error on a nullable field nulls
    // that field only; on a non-null one (`posts`, refused page size), its nearest nullable
    // parent. Every other key stays, in selection order.
    let text = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ b: products(first: 1) { totalCount } a: user(id: \"VXNlcjox\") { id email } c: user(id: \"VXNlcjox\") { id posts(first: 101) { totalCount } } }" }))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert!(
        text.starts_with(r#"{"data":{"b":{"totalCount":"#)
            && text.contains(r#""a":{"id":"VXNlcjox","email":null},"c":null}"#),
        "{text}"
    );
    let body: Value = serde_json::from_str(&text).expect("JSON");
    let mut paths: Vec<String> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["path"].to_string())
        .collect();
    paths.sort();
    assert_eq!(paths, [r#"["a","email"]"#, r#"["c","posts"]"#], "{text}");
}
