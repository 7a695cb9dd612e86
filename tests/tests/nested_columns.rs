//! A user's posts are read with only the columns a query selects; every field still answers
//! the stored value however it is selected (alone, with others, under `edges`, in a fragment)
//! and whatever the list is ordered by.

use serde_json::{Value, json};
use tests::{TestApp, both_backends};

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
