//! What the execution engine relies on that only the whole server shows: each request's
//! loaders, and the rows they cache, are its own.

use serde_json::json;
use tests::{TestApp, both_backends};

both_backends!(loaders_serve_one_request_only);

async fn loaders_serve_one_request_only(app: TestApp) {
    let (ada, _) = app.signup("ada@example.com", "Ada").await;
    app.create_post(&ada, "Ada's first", true).await;
    // Each author is read through the request's `UserById` loader, which caches it.
    let authors = "{ posts(first: 5) { nodes { author { name } } } }";
    let data = app.data(authors, json!({})).await;
    assert_eq!(data["posts"]["nodes"][0]["author"]["name"], "Ada");
    app.data(
        "mutation($id: ID!) { updateUser(id: $id, input: { name: \"Ada L.\" }) { id } }",
        json!({ "id": ada }),
    )
    .await;
    let data = app.data(authors, json!({})).await;
    assert_eq!(
        data["posts"]["nodes"][0]["author"]["name"], "Ada L.",
        "a later request reads the row again"
    );
}
