//! Post mutations.

use serde_json::json;
use tests::{Kind, TestApp, both_backends, gid};

both_backends!(
    drafts_publish_and_edit,
    post_errors_name_the_field,
    deletes_posts
);

async fn drafts_publish_and_edit(app: TestApp) {
    let author = app.create_user("ada@example.com", "Ada").await;
    let id = app.create_post(&author, "  First steps ", false).await;
    let draft = app
        .data(
            "query($id: ID!) { post(id: $id) { title status publishedAt author { name } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(draft["post"]["title"], "First steps");
    assert_eq!(draft["post"]["status"], "DRAFT");
    assert!(draft["post"]["publishedAt"].is_null());
    assert_eq!(draft["post"]["author"]["name"], "Ada");

    let published = app
        .data(
            "mutation($id: ID!) { publishPost(id: $id) { status publishedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(published["publishPost"]["status"], "PUBLISHED");
    let at = published["publishPost"]["publishedAt"].clone();
    assert!(at.is_string());
    let again = app
        .data(
            "mutation($id: ID!) { publishPost(id: $id) { publishedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        again["publishPost"]["publishedAt"], at,
        "publishing twice keeps the first time"
    );

    let edited = app
        .data(
            "mutation($id: ID!) { updatePost(id: $id, input: { content: \"new body\" }) { title content } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(edited["updatePost"]["title"], "First steps");
    assert_eq!(edited["updatePost"]["content"], "new body");
}

async fn post_errors_name_the_field(app: TestApp) {
    let author = app.create_user("ada@example.com", "Ada").await;
    let create = "mutation($input: CreatePostInput!) { createPost(input: $input) { id } }";
    let error = app
        .error(
            create,
            json!({ "input": { "authorId": gid(Kind::User, 999), "title": "T", "content": "" } }),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "NOT_FOUND", "{error}");
    let error = app
        .error(
            create,
            json!({ "input": { "authorId": author, "title": " ", "content": "" } }),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "title");
    let error = app
        .error(
            create,
            json!({ "input": { "authorId": author, "title": "t".repeat(201), "content": "" } }),
        )
        .await;
    assert_eq!(error["extensions"]["field"], "title");
    let error = app
        .error(
            "mutation { publishPost(id: \"UG9zdDoxMjM0NQ\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
}

async fn deletes_posts(app: TestApp) {
    let author = app.create_user("ada@example.com", "Ada").await;
    let id = app.create_post(&author, "Bye", true).await;
    let data = app
        .data(
            "mutation($id: ID!) { deletePost(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["deletePost"], id);
    let code = app
        .error_code(
            "mutation($id: ID!) { deletePost(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
}
