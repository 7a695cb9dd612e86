//! A corpus of client mistakes and hostile inputs, each with the code it must get; none may be
//! answered INTERNAL or logged at ERROR.

use serde_json::{Value, json};
use tests::{Backend, Kind, TestApp, gid, on_each_backend};

on_each_backend!(every_mistake_gets_the_callers_code);

/// One case: what is sent (query, variables) and the code expected on its first error.
struct Case {
    name: &'static str,
    query: String,
    variables: Value,
    code: &'static str,
}

fn case(name: &'static str, query: &str, variables: Value, code: &'static str) -> Case {
    Case {
        name,
        query: query.to_owned(),
        variables,
        code,
    }
}

fn corpus(product: i32, user: &str) -> Vec<Case> {
    let ids: Vec<String> = (1..=40_000).map(|i| i.to_string()).collect();
    let many: Vec<String> = (0..5_000).map(|i| format!("name {i}")).collect();
    // Each case its own sku and slug, so none is refused as a duplicate instead.
    let create_product = "mutation($p: Int!, $s: Int!, $k: String!) { createProduct(input: { sku: $k, slug: $k, name: \"X\", category: \"c\", priceCents: $p, stock: $s }) { id } }";
    let create_post = "mutation($t: String!, $c: String!) { createPost(input: { title: $t, content: $c }) { id } }";
    let order = "mutation($input: CreateOrderInput!) { createOrder(input: $input) { id } }";
    vec![
        case(
            "100k-character contains",
            "query($s: String) { posts(filter: { title: { contains: $s } }) { totalCount } }",
            json!({ "s": "a".repeat(100_000) }),
            "BAD_USER_INPUT",
        ),
        case(
            "100k-character startsWith",
            "query($s: String) { products(filter: { name: { startsWith: $s } }) { totalCount } }",
            json!({ "s": "%".repeat(100_000) }),
            "BAD_USER_INPUT",
        ),
        case(
            "40,000 ids in a filter",
            "query($ids: [ID!]) { users(filter: { id: { in: $ids } }) { totalCount } }",
            json!({ "ids": ids }),
            "BAD_USER_INPUT",
        ),
        case(
            "5,000 strings in a filter",
            "query($n: [String!]) { users(filter: { name: { in: $n } }) { totalCount } }",
            json!({ "n": many }),
            "BAD_USER_INPUT",
        ),
        case(
            "a NUL in a filter",
            "query($s: String) { users(filter: { email: { eq: $s } }) { totalCount } }",
            json!({ "s": "a\u{0}b" }),
            "BAD_USER_INPUT",
        ),
        case(
            "a missing required variable",
            "query($id: ID!) { user(id: $id) { id } }",
            json!({}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        case(
            "a variable of the wrong type",
            "query($n: Int) { products(first: $n) { totalCount } }",
            json!({ "n": "many" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        case(
            "an unknown enum value",
            "query($s: OrderStatus) { orders(filter: { status: { eq: $s } }) { totalCount } }",
            json!({ "s": "LOST" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        case(
            "items as a string",
            "mutation { createOrder(input: { items: \"x\" }) { id } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "items as a string, in a variable",
            order,
            json!({ "input": { "items": "x" } }),
            "BAD_USER_INPUT",
        ),
        case(
            "an order of 10,000 lines",
            order,
            json!({ "input": { "customerId": user, "items": (0..10_000).map(|_| json!({ "productId": gid(Kind::Product, product), "quantity": 1 })).collect::<Vec<_>>() } }),
            "BAD_USER_INPUT",
        ),
        case(
            "a quantity of 0",
            order,
            json!({ "input": { "customerId": user, "items": [{ "productId": gid(Kind::Product, product), "quantity": 0 }] } }),
            "BAD_USER_INPUT",
        ),
        case(
            "a quantity past 32 bits",
            order,
            json!({ "input": { "customerId": user, "items": [{ "productId": gid(Kind::Product, product), "quantity": 4_294_967_296u64 }] } }),
            "BAD_USER_INPUT",
        ),
        case(
            "a price of 2^62",
            create_product,
            json!({ "p": 4_611_686_018_427_387_904u64, "s": 1, "k": "a" }),
            "BAD_USER_INPUT",
        ),
        case(
            "a price past the catalog's range",
            create_product,
            json!({ "p": 2_000_000_000, "s": 1, "k": "b" }),
            "BAD_USER_INPUT",
        ),
        case(
            "a negative price",
            create_product,
            json!({ "p": -1, "s": 1, "k": "c" }),
            "BAD_USER_INPUT",
        ),
        case(
            "a negative stock",
            create_product,
            json!({ "p": 100, "s": -5, "k": "d" }),
            "BAD_USER_INPUT",
        ),
        case(
            "stock raised past its range",
            &format!(
                "mutation {{ adjustStock(productId: \"{product}\", delta: 2147483647) {{ stock }} }}"
            ),
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "a transfer of no points",
            &format!(
                "mutation {{ transferPoints(toUserId: \"{user}\", points: 0) {{ to {{ id }} }} }}"
            ),
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "a negative redemption",
            "mutation { redeemPoints(points: -5) { id } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "a correction past the points range",
            &format!(
                "mutation {{ adjustPoints(userId: \"{user}\", points: 2147483647) {{ id }} }}"
            ),
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "a NUL in a title",
            create_post,
            json!({ "t": "tit\u{0}le", "c": "body" }),
            "BAD_USER_INPUT",
        ),
        case(
            "a NUL in a body",
            create_post,
            json!({ "t": "title", "c": "bo\u{0}dy" }),
            "BAD_USER_INPUT",
        ),
        case(
            "a title of spaces",
            create_post,
            json!({ "t": "   ", "c": "body" }),
            "BAD_USER_INPUT",
        ),
        case(
            "a body past 100,000 characters",
            create_post,
            json!({ "t": "title", "c": "x".repeat(100_001) }),
            "BAD_USER_INPUT",
        ),
        case(
            "an email of 10,000 characters",
            "mutation($e: String!) { createUser(input: { email: $e, name: \"N\" }) { id } }",
            json!({ "e": format!("{}@example.com", "a".repeat(10_000)) }),
            "BAD_USER_INPUT",
        ),
        case(
            "a NUL in a name",
            "mutation($n: String!) { createUser(input: { email: \"nul@example.com\", name: $n }) { id } }",
            json!({ "n": "A\u{0}" }),
            "BAD_USER_INPUT",
        ),
        case(
            "a page of -1",
            "{ users(first: -1) { totalCount } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "a page of 1,000",
            "{ users(first: 1000) { totalCount } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "a cursor of garbage",
            "{ users(first: 5, after: \"not a cursor\") { totalCount } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "a cursor of 50,000 characters",
            "query($c: String) { users(first: 5, after: $c) { totalCount } }",
            json!({ "c": "A".repeat(50_000) }),
            "BAD_USER_INPUT",
        ),
        case(
            "an id that is not a number",
            "{ user(id: \"abc\") { id } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "an id past 32 bits",
            "{ user(id: \"99999999999999999999\") { id } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "a bad timestamp",
            "{ users(filter: { createdAt: { gt: \"yesterday\" } }) { totalCount } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        case(
            "both id and slug",
            &format!("{{ product(by: {{ id: \"{product}\", slug: \"x\" }}) {{ id }} }}"),
            json!({}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        case(
            "3,000 aliases",
            &format!(
                "{{ {} }}",
                (0..3_000)
                    .map(|i| format!("a{i}: me {{ id }}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            json!({}),
            "QUERY_TOO_COMPLEX",
        ),
        case(
            "an unknown field",
            "{ users { nodes { password } } }",
            json!({}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        case(
            "an operation that is not there",
            "query A { me { id } }",
            json!({}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ]
}

async fn send(app: &TestApp, case: &Case, request_id: &str) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .header("x-request-id", request_id)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": case.query, "variables": case.variables, "operationName": if case.name == "an operation that is not there" { json!("B") } else { Value::Null } }))
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn every_mistake_gets_the_callers_code(backend: Backend) {
    let app = tests::spawn_app_with(backend, &["--max-body-bytes", "2097152"]).await;
    let product = app.create_product("lamp", "home", 100, 10).await;
    let user = app.create_user("someone@example.com", "Someone").await;
    let mut wrong = Vec::new();
    for (i, case) in corpus(product, &user).into_iter().enumerate() {
        let request_id = format!("corpus-{backend:?}-{i}-{}", uuid::Uuid::new_v4().simple());
        let (status, body) = send(&app, &case, &request_id).await;
        let code = body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("<none>");
        if code != case.code {
            wrong.push(format!(
                "{}: {status} {code} (want {}): {}",
                case.name,
                case.code,
                truncate(&body)
            ));
        }
        if tests::logged_error(&request_id) {
            wrong.push(format!("{}: logged at ERROR", case.name));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of the corpus answered otherwise:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

fn truncate(body: &Value) -> String {
    let text = body.to_string();
    text.chars().take(300).collect()
}

/// Text at the edges of what is accepted, written on SQLite, copies to PostgreSQL unchanged:
/// the two databases accept exactly the same text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(no_postgres, ignore = "TEST_DATABASE_URL is not set")]
async fn edge_text_written_on_sqlite_copies_to_postgres() {
    use clap::Parser;
    let sqlite = tests::spawn_app(Backend::Sqlite).await;
    let edges = [
        "😀 emoji and 👩‍👩‍👧 a joined family",
        "עברית ومعها العربية",
        "e\u{301} combining, \u{200b}zero width, \u{feff}bom",
        "quotes ' \" ` and \\ backslashes; %_ wildcards",
        "'); DROP TABLE users; --",
        "\u{ffff} and \u{10ffff} and \u{7f}",
        "tab\tand\r\nnewlines",
    ];
    let author = sqlite
        .create_user("edges@example.com", "Ünïcødé Ñame 😀")
        .await;
    for (i, text) in edges.iter().enumerate() {
        let title: String = text.chars().filter(|c| !c.is_control()).collect();
        sqlite
            .data(
                "mutation($input: CreatePostInput!) { createPost(input: $input) { id } }",
                json!({ "input": { "authorId": author, "title": format!("{i} {title}"), "content": format!("  {text}  "), "publish": true } }),
            )
            .await;
    }
    // The longest title, in four-byte characters.
    sqlite
        .data(
            "mutation($input: CreatePostInput!) { createPost(input: $input) { id } }",
            json!({ "input": { "authorId": author, "title": "😀".repeat(200), "content": "😀".repeat(100_000) } }),
        )
        .await;
    sqlite
        .create_product("edge-case", "Ça & ß", 1_000_000_000, 1_000_000_000)
        .await;

    let (target, name, base) = tests::create_postgres_database().await;
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "shopgraph",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--database-url",
        &sqlite.database_url,
    ];
    let cli = api::Cli::try_parse_from(args).unwrap();
    api::cli::ops::copy(&cli.config, &target)
        .await
        .expect("copied to PostgreSQL");
    let copied = service::ops::database::connect(&tests::db_config(&target))
        .await
        .unwrap();
    let want = service::ops::backup::export(&sqlite.db)
        .await
        .unwrap()
        .fingerprint();
    let got = service::ops::backup::export(&copied.db)
        .await
        .unwrap()
        .fingerprint();
    assert_eq!(got, want, "the same rows on both");
    copied.db.close().await.ok();
    tests::drop_postgres_database(&base, &name).await;
}
