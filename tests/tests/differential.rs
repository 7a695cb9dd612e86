//! The server's responses against async-graphql's stock executor on the same schema and data
//! with no fast paths (`api::graphql::reference`): a corpus of queries — named and inline
//! fragments, aliases, `@skip`/`@include`, field errors at every depth in nullable and
//! non-null positions, lists, nulls, persisted and plain — for each kind of caller, compared
//! byte for byte (`data` and `errors`; `extensions.cost` is the server's own addition).

use api::graphql::reference::ReferenceServer;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tests::{JWT_SECRET, TestApp, both_backends};

both_backends!(responses_match_the_stock_executor);

const CORPUS: &[&str] = &[
    // Plain pages, keys in selection order (aliases out of alphabetical order).
    "{ z: products(first: 3) { totalCount nodes { name id priceCents } } a: posts(first: 5) { nodes { title id } totalCount } }",
    "{ posts(first: 10) { edges { cursor node { id title author { name id } } } pageInfo { hasNextPage endCursor hasPreviousPage startCursor } } }",
    "{ users(first: 10) { nodes { id name posts(first: 3) { totalCount nodes { id title status } } } } }",
    // The same key selected twice merges, at the root and inside objects on the direct path.
    "{ products(first: 2) { nodes { id } nodes { name id } } products(first: 2) { totalCount } }",
    "{ posts(first: 3) { nodes { author { id } title author { name id } } } }",
    // Aliases of one field with other arguments; variables below the root; `__typename` at
    // every level.
    "{ users(first: 3) { nodes { a: posts(first: 1) { totalCount } b: posts(first: 2) { nodes { title } } } } }",
    "query($n: Int) { users(first: $n) { nodes { id posts(first: $n) { nodes { id } } } } }",
    "{ orders(first: 2) { __typename nodes { __typename customer { __typename name } items { __typename quantity product { __typename name } } } } }",
    // Fragments, named and inline, with type conditions and nesting.
    "query Q { posts(first: 4) { nodes { ...P ... on Post { author { ...U } } } } } fragment P on Post { id title } fragment U on User { name id }",
    "{ products(first: 3) { nodes { ... { id } ... on Product { slug name } __typename } } __typename }",
    // Directives.
    "query($yes: Boolean!, $no: Boolean!) { products(first: 2) { nodes { id name @include(if: $no) slug @skip(if: $no) sku @include(if: $yes) } totalCount @skip(if: $yes) } }",
    "{ products(first: 2) { nodes { ... @skip(if: true) { id } name } } }",
    // Nulls: missing rows, nullable fields.
    "{ user(id: \"VXNlcjo5OTk5OTk\") { id } post(id: \"UG9zdDo5OTk5OTk\") { id } product(by: { slug: \"no-such-thing\" }) { id } }",
    "{ posts(first: 6) { nodes { id publishedAt } } }",
    // Private fields: an error nulls the nearest nullable parent, siblings stay.
    "{ user(id: \"VXNlcjoy\") { id name email } products(first: 1) { nodes { id } } }",
    "{ a: user(id: \"VXNlcjoy\") { id cardNumber } b: user(id: \"VXNlcjoz\") { id name } }",
    "{ me { id email pointsBalance tier } }",
    // Errors deep in non-null positions propagate up lists to the root field.
    "{ posts(first: 5) { nodes { id author { id email } } } products(first: 1) { totalCount } }",
    "{ users(first: 5) { nodes { id email } } }",
    "{ orders(first: 5) { nodes { id totalCents customer { name email } items { quantity product { name } } } } }",
    "{ order(id: \"T3JkZXI6MQ\") { id status items { productId lineTotalCents } } }",
    "{ user(id: \"VXNlcjoz\") { id orders(first: 3) { nodes { id } } } }",
    "{ user(id: \"VXNlcjoy\") { name posts(first: 5) { nodes { id title author { name cardNumber } } } } }",
    // Argument errors at depth.
    "{ products(first: 500) { totalCount } posts(first: 1) { totalCount } }",
    "{ users(first: 2) { nodes { posts(first: -1) { totalCount } } } }",
    "{ product(by: { id: \"not-an-id\" }) { id } }",
    // Global ids: any object again by its id alone; a foreign or malformed id at its field.
    "{ node(id: \"VXNlcjoy\") { __typename id ... on User { name email } } }",
    "{ a: node(id: \"x\") { id } b: node(id: \"UHJvZHVjdDox\") { id } }",
    "{ nodes(ids: [\"T3JkZXI6MQ\", \"UHJvZHVjdDox\", \"VXNlcjo5OTk5OTk\"]) { id ... on Order { status } ... on Product { name } } }",
    "{ user(id: \"UHJvZHVjdDox\") { id } products(first: 1) { nodes { id databaseId } } }",
    // Every field an object writes itself in a flat document, under aliases too.
    "{ products(first: 3) { nodes { id databaseId sku slug name category priceCents stock } } }",
    "{ posts(first: 6) { nodes { id databaseId title content authorId author { id databaseId name } } } }",
    "{ users(first: 3) { nodes { key: id n: name posts(first: 2) { nodes { t: title databaseId } } } } }",
    "{ orders(first: 3) { nodes { id databaseId totalCents pointsEarned pointsUnreversed customerId items { id databaseId quantity unitPriceCents productId product { id databaseId name } } } } }",
    "{ me { id pointTransactions(first: 3) { nodes { id databaseId points } } } }",
    // Objects at hand written whole, or resolved when one of their fields cannot be written.
    "{ users(first: 3) { nodes { posts(first: 2) { nodes { a: author { __typename n: name id databaseId } author { id email } } } } } }",
    "{ orders(first: 3) { nodes { customer { id name } items { __typename product { name sku priceCents } } } } }",
    // Connections written whole, or field by field when their nodes cannot be.
    "{ posts(first: 3) { __typename e: edges { __typename c: cursor node { __typename id } } p: pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor } } }",
    "{ posts(first: 0) { nodes { id } edges { cursor } pageInfo { startCursor endCursor hasNextPage } totalCount } }",
    "{ users(first: 3) { totalCount pageInfo { endCursor } edges { cursor node { name posts(first: 1) { edges { node { title } } pageInfo { hasNextPage } } } } } }",
    "{ users(first: 2) { nodes { id n: posts(first: 2) { nodes { author { posts(first: 1) { nodes { id } pageInfo { startCursor } } } } } } } }",
];

async fn responses_match_the_stock_executor(app: TestApp) {
    let (a_id, a_token) = app.signup("ada@example.com", "Ada").await;
    let (b_id, _) = app.signup("bob@example.com", "Bob").await;
    app.create_post(&a_id, "Ada's first", true).await;
    app.create_post(&a_id, "Ada's draft", false).await;
    app.create_post(&b_id, "Bob's note", true).await;
    app.create_post(&b_id, "A \"quoted\" \\ title, ünïcode", true)
        .await;
    let hat = app.create_product("hat", "clothing", 1_500, 10).await;
    let mug = app.create_product("mug", "kitchen", 900, 10).await;
    app.create_order(&a_id, &[(hat, 1), (mug, 2)]).await;
    app.create_order(&b_id, &[(mug, 1)]).await;

    let reference = ReferenceServer::new(app.db.clone(), app.events.clone(), JWT_SECRET.as_bytes());
    let callers = [
        ("anonymous", None),
        ("customer", Some(a_token.as_str())),
        ("admin", Some(app.admin_token.as_str())),
    ];
    let variables = json!({ "yes": true, "no": false, "n": 2 });
    let mut compared = 0;
    for (who, token) in callers {
        for query in CORPUS {
            let expected = stock(&reference, token, query, &variables).await;
            let plain = post(
                &app,
                token,
                json!({ "query": query, "variables": variables }),
            )
            .await;
            assert_eq!(served(&plain), expected, "{who}: {query}");
            // Persisted: registered with its text, then sent by hash alone.
            let hash = hex(&Sha256::digest(query.as_bytes()));
            let persisted = json!({ "version": 1, "sha256Hash": hash });
            let first = post(
                &app,
                token,
                json!({ "query": query, "variables": variables, "extensions": { "persistedQuery": persisted } }),
            )
            .await;
            assert_eq!(served(&first), expected, "{who}, persisted: {query}");
            let by_hash = post(
                &app,
                token,
                json!({ "variables": variables, "extensions": { "persistedQuery": persisted } }),
            )
            .await;
            assert_eq!(served(&by_hash), expected, "{who}, by hash: {query}");
            assert!(
                !plain.contains("\"line\":0") && !plain.contains("\"column\":0"),
                "{who}: {query}: {plain}"
            );
            compared += 3;
        }
    }
    assert_eq!(compared, 3 * 3 * CORPUS.len());
}

/// The stock executor's body for `query`, with nothing the server adds.
async fn stock(
    reference: &ReferenceServer,
    token: Option<&str>,
    query: &str,
    variables: &Value,
) -> String {
    let authorization = token.map(|t| format!("Bearer {t}"));
    let request = async_graphql::Request::new(query)
        .variables(async_graphql::Variables::from_json(variables.clone()));
    let response = reference
        .execute(authorization.as_deref(), request)
        .await
        .expect("the caller's credentials hold");
    serde_json::to_string(&response).expect("serializes")
}

/// The server's body without its `extensions.cost`, which the stock executor does not add.
fn served(body: &str) -> String {
    let start = body
        .find(",\"extensions\":{\"cost\":")
        .expect("a cost report");
    let end = start + body[start..].find("}}").expect("its end") + 2;
    format!("{}{}", &body[..start], &body[end..])
}

async fn post(app: &TestApp, token: Option<&str>, body: Value) -> String {
    let mut request = app.client.post(app.url("/graphql")).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request sent");
    assert_eq!(response.status(), 200);
    response.text().await.expect("a body")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
