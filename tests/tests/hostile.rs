//! What a hostile client can send, and what it gets: documents that would cost more than they
//! say are refused before any work, mutations never run over GET, and every mistake gets the
//! caller's code, never INTERNAL.

use serde_json::{Value, json};
use tests::{Backend, Kind, TestApp, gid, on_each_backend};

on_each_backend!(
    costly_documents_are_refused_before_any_work,
    mutations_never_run_over_get
);

const GQL: &str = "application/graphql-response+json";

async fn post(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .header("accept", GQL)
        .json(&body)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

/// `levels` fragments on Query, each spreading the one before twice.
fn fragment_chain(levels: usize) -> String {
    let mut query =
        format!("query {{ ...F{levels} }}\nfragment F1 on Query {{ products {{ totalCount }} }}\n");
    for level in 2..=levels {
        let prev = level - 1;
        query.push_str(&format!(
            "fragment F{level} on Query {{ ...F{prev} ...F{prev} }}\n"
        ));
    }
    query
}

async fn costly_documents_are_refused_before_any_work(backend: Backend) {
    // The defaults: complexity 1,000, depth 12.
    let app = tests::spawn_app_with(backend, &[]).await;
    for levels in [24, 30] {
        let (status, body) = post(&app, json!({ "query": fragment_chain(levels) })).await;
        assert_eq!(
            (status, code(&body)),
            (400, "QUERY_TOO_COMPLEX"),
            "{levels}: {body}"
        );
    }
    // Well under the limit, the same shape runs.
    let (status, body) = post(&app, json!({ "query": fragment_chain(4) })).await;
    assert_eq!((status, code(&body)), (200, "<none>"), "{body}");

    let cycle = "query { ...A } fragment A on Query { ...A ...A products { totalCount } }";
    let (status, body) = post(&app, json!({ "query": cycle })).await;
    assert_eq!(
        (status, code(&body)),
        (400, "GRAPHQL_VALIDATION_FAILED"),
        "{body}"
    );

    // The query text has a limit of its own, far below the body's.
    let long = format!(
        "{{ products {{ totalCount }} }} # {}",
        "x".repeat(200 * 1024)
    );
    let (status, body) = post(&app, json!({ "query": long })).await;
    assert_eq!((status, code(&body)), (400, "QUERY_TOO_LARGE"), "{body}");
}

async fn mutations_never_run_over_get(backend: Backend) {
    let app = tests::spawn_app(backend).await;
    let lamp = gid(
        Kind::Product,
        app.create_product("lamp", "home", 100, 5).await,
    );
    let mutation =
        format!("mutation {{ adjustStock(productId: \"{lamp}\", delta: 1) {{ stock }} }}");
    let hash = {
        use sha2::Digest;
        hex_of(&sha2::Sha256::digest(mutation.as_bytes()))
    };
    // Anyone who ever sent this mutation (here, the admin over POST) put it in the cache.
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let (_, body) = post(&app, json!({ "query": mutation, "extensions": extensions })).await;
    assert_eq!(body["data"]["adjustStock"]["stock"], 6, "{body}");

    let get = |params: Vec<(&'static str, String)>| {
        app.client
            .get(app.url("/graphql"))
            .bearer_auth(&app.admin_token)
            .header("accept", GQL)
            .query(&params)
            .send()
    };
    let by_hash = vec![("extensions", extensions.to_string())];
    let by_text = vec![("query", mutation.clone())];
    let by_both = vec![
        ("query", mutation.clone()),
        ("extensions", extensions.to_string()),
    ];
    for params in [by_hash, by_text, by_both] {
        let response = get(params).await.expect("GET answers");
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()["allow"], "POST");
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(code(&body), "METHOD_NOT_ALLOWED", "{body}");
    }
    let stock = app
        .data(
            &format!("{{ product(by: {{ id: \"{lamp}\" }}) {{ stock }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(stock["product"]["stock"], 6, "no GET ran the mutation");
}

fn hex_of(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
