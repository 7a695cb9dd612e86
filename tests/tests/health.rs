//! Health probes and the GraphiQL page.

use tests::{TestApp, both_backends};

both_backends!(probes_answer, graphiql_is_served_on_get);

async fn probes_answer(app: TestApp) {
    let live = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let ready = app
        .client
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["database"], "ok");
}

async fn graphiql_is_served_on_get(app: TestApp) {
    let page = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.to_lowercase().contains("graphiql"),
        "not a GraphiQL page: {html:.200}"
    );

    // A GET with a query runs it.
    let url = app.url("/graphql?query=%7B%20products(first%3A%201)%20%7B%20totalCount%20%7D%20%7D");
    let body: serde_json::Value = app
        .client
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["products"]["totalCount"], 0);
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = tests::spawn_app(tests::Backend::Sqlite).await;
    app.db.clone().close().await.unwrap();
    let ready = app
        .client
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
}

async fn metrics_and_request_ids(app: TestApp) {
    app.graphql(
        "query ListProducts { products { totalCount } }",
        serde_json::json!({}),
    )
    .await;
    app.graphql("{ user(id: \"x\") { id } }", serde_json::json!({}))
        .await;
    let response = app
        .client
        .get(app.url("/metrics"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["x-request-id"],
        "abc-123",
        "the caller's request id comes back"
    );
    let text = response.text().await.unwrap();
    for needle in [
        "shopgraph_graphql_requests_total{operation=\"ListProducts\"}",
        "shopgraph_graphql_request_duration_seconds_bucket{operation=\"ListProducts\"",
        "shopgraph_graphql_errors_total{code=\"BAD_USER_INPUT\"}",
        "shopgraph_db_pool_connections{state=\"idle\"}",
        "shopgraph_migration_duration_seconds{migration=\"m20261123_000001_create_users_and_roles\"}",
    ] {
        assert!(text.contains(needle), "missing {needle} in:\n{text}");
    }
    if app.backend == tests::Backend::Sqlite {
        assert!(
            text.contains("shopgraph_sqlite_file_bytes{file=\"database\"}"),
            "{text}"
        );
    }
    let fresh = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert!(
        fresh.headers().get("x-request-id").is_some(),
        "an id is made when none is sent"
    );
}

both_backends!(metrics_and_request_ids);
