//! The GraphQL-over-HTTP contract, limits, persisted queries and CORS.

use serde_json::{Value, json};
use tests::{Backend, TestApp, on_each_backend, spawn_app_with};

on_each_backend!(
    requests_get_the_specified_statuses_and_bodies,
    limits_answer_with_graphql_errors,
    persisted_queries_and_cors
);

async fn post_raw(
    app: &TestApp,
    content_type: &str,
    accept: Option<&str>,
    body: &str,
) -> (u16, String, Value) {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header("Content-Type", content_type)
        .body(body.to_owned());
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let media = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, media, body)
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

const GQL: &str = "application/graphql-response+json";

async fn requests_get_the_specified_statuses_and_bodies(backend: Backend) {
    let app = tests::spawn_app(backend).await;
    // Malformed JSON, missing query, wrong content type: a GraphQL error body either way.
    let (status, _, body) = post_raw(&app, "application/json", None, "{not json").await;
    assert_eq!((status, code(&body)), (400, "BAD_REQUEST"));
    let (status, _, body) = post_raw(&app, "application/json", None, "{\"variables\": {}}").await;
    assert_eq!((status, code(&body)), (400, "BAD_REQUEST"), "{body}");
    let (status, _, body) = post_raw(&app, "text/plain", None, "{ products { totalCount } }").await;
    assert_eq!((status, code(&body)), (415, "UNSUPPORTED_MEDIA_TYPE"));

    // An unparsable document: 400 for graphql-response+json, 200 for application/json.
    let broken = json!({ "query": "{ products { " }).to_string();
    let (status, media, body) = post_raw(&app, "application/json", Some(GQL), &broken).await;
    assert_eq!((status, code(&body)), (400, "GRAPHQL_PARSE_FAILED"));
    assert!(media.starts_with(GQL), "{media}");
    let (status, media, body) =
        post_raw(&app, "application/json", Some("application/json"), &broken).await;
    assert_eq!((status, code(&body)), (200, "GRAPHQL_PARSE_FAILED"));
    assert!(media.starts_with("application/json"));
    // Invalid against the schema.
    let invalid = json!({ "query": "{ products { nope } }" }).to_string();
    let (status, _, body) = post_raw(&app, "application/json", Some(GQL), &invalid).await;
    assert_eq!((status, code(&body)), (400, "GRAPHQL_VALIDATION_FAILED"));
    // Errors during execution are still 200: the request was fine.
    let failing = json!({ "query": "{ user(id: \"abc\") { id } }" }).to_string();
    let (status, _, body) = post_raw(&app, "application/json", Some(GQL), &failing).await;
    assert_eq!((status, code(&body)), (200, "BAD_USER_INPUT"));
    // Wrong variable types are the caller's fault, with a code.
    let (_, _, body) = post_raw(&app, "application/json", None, &json!({ "query": "query($n: Int) { products(first: $n) { totalCount } }", "variables": { "n": "many" } }).to_string()).await;
    assert_ne!(code(&body), "<none>", "{body}");

    // GET runs queries and refuses mutations.
    let get = |q: &str| {
        app.client
            .get(app.url("/graphql"))
            .query(&[("query", q)])
            .header("Accept", GQL)
            .send()
    };
    let response = get("{ products { totalCount } }").await.unwrap();
    assert_eq!(response.status(), 200);
    let response = get("mutation { adjustStock(productId: \"UHJvZHVjdDox\", delta: 1) { stock } }")
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body), "METHOD_NOT_ALLOWED");
    let response = app.client.put(app.url("/graphql")).send().await.unwrap();
    assert_eq!(response.status(), 405);
}

async fn limits_answer_with_graphql_errors(backend: Backend) {
    // Default limits: depth 12, complexity 1,000; a small body and a short timeout to test them.
    let app = spawn_app_with(
        backend,
        &["--max-body-bytes", "2048", "--request-timeout-ms", "1"],
    )
    .await;
    let deep = "{ posts(first: 1) { nodes { author { posts(first: 1) { nodes { author { posts(first: 1) { nodes { author {
        posts(first: 1) { nodes { author { name } } } } } } } } } } } } }";
    let (status, _, body) = post_raw(
        &app,
        "application/json",
        Some(GQL),
        &json!({ "query": deep }).to_string(),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "QUERY_TOO_DEEP"), "{body}");
    // Three nested pages of 100 cost about a million.
    let wide = "{ users(first: 100) { nodes { posts(first: 100) { nodes { author { posts(first: 100) { nodes { title } } } } } } } }";
    let (status, _, body) = post_raw(
        &app,
        "application/json",
        Some(GQL),
        &json!({ "query": wide }).to_string(),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "QUERY_TOO_COMPLEX"), "{body}");
    let big = json!({ "query": format!("{{ products {{ totalCount }} }} # {}", "x".repeat(4096)) })
        .to_string();
    let (status, _, body) = post_raw(&app, "application/json", None, &big).await;
    assert_eq!((status, code(&body)), (413, "PAYLOAD_TOO_LARGE"));
    // Hashing a password (argon2id, 19 MiB) cannot finish in a millisecond; the cut-off request
    // leaves nothing behind.
    let slow = "mutation { signup(email: \"slow@example.com\", name: \"Slow\", password: \"long enough\") { token } }";
    let (status, _, body) = post_raw(
        &app,
        "application/json",
        Some(GQL),
        &json!({ "query": slow }).to_string(),
    )
    .await;
    assert_eq!((status, code(&body)), (504, "TIMEOUT"), "{body}");
    assert!(
        service::users::by_email(&app.db, "slow@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

async fn persisted_queries_and_cors(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            "--cors-origins",
            "https://shop.example,https://admin.example",
        ],
    )
    .await;
    let query = "{ products { totalCount } }";
    let hash = "4f7a13c8a7e4ab4fb8cbc2df4a0a3b6ad19ba5fb1c4d8e0bf1e5dbc0f0b8c8f2";
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    // Unknown hash → the client is told to send the query.
    let (_, _, body) = post_raw(
        &app,
        "application/json",
        None,
        &json!({ "extensions": extensions }).to_string(),
    )
    .await;
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND", "{body}");
    assert_eq!(
        body["errors"][0]["message"], "PersistedQueryNotFound",
        "what Apollo clients look for"
    );
    // Registering needs the real hash of the query.
    let real = {
        use sha2::Digest;
        use std::fmt::Write;
        sha2::Sha256::digest(query.as_bytes())
            .iter()
            .fold(String::new(), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            })
    };
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": real } });
    let (_, _, body) = post_raw(
        &app,
        "application/json",
        None,
        &json!({ "query": query, "extensions": extensions }).to_string(),
    )
    .await;
    assert_eq!(body["data"]["products"]["totalCount"], 0, "{body}");
    let (_, _, body) = post_raw(
        &app,
        "application/json",
        None,
        &json!({ "extensions": extensions }).to_string(),
    )
    .await;
    assert_eq!(
        body["data"]["products"]["totalCount"], 0,
        "served from the cache: {body}"
    );

    // CORS: listed origins only.
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "content-type,authorization",
            )
            .send()
    };
    let allowed = preflight("https://shop.example").await.unwrap();
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        "https://shop.example"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
