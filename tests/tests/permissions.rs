//! The permission matrix: every query and mutation, and every field of `User`, called by four
//! callers (anonymous, customer A, customer B, admin). A walk over the schema makes sure no
//! field exists without a rule here, so adding a field without deciding who may use it fails.

use serde_json::{Value, json};
use std::collections::BTreeSet;
use tests::{Kind, TestApp, both_backends, db_id, gid};

both_backends!(every_field_has_a_rule_and_keeps_it);

/// The four callers, in the order their outcomes are listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Anonymous,
    A,
    B,
    Admin,
}

const CALLERS: [Caller; 4] = [Caller::Anonymous, Caller::A, Caller::B, Caller::Admin];

/// What one caller gets back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Data, no error.
    Ok,
    /// The field is null, no error (hidden rather than refused).
    Null,
    /// An error with this code.
    Err(&'static str),
}

use Outcome::{Err, Null, Ok};
const UNAUTH: Outcome = Err("UNAUTHENTICATED");
const FORBID: Outcome = Err("FORBIDDEN");
const MISSING: Outcome = Err("NOT_FOUND");

/// Everyone.
const PUBLIC: [Outcome; 4] = [Ok, Ok, Ok, Ok];
/// Anyone signed in.
const SIGNED_IN: [Outcome; 4] = [UNAUTH, Ok, Ok, Ok];
/// Admins only.
const ADMIN: [Outcome; 4] = [UNAUTH, FORBID, FORBID, Ok];
/// A's own things: A and admins.
const A_ONLY: [Outcome; 4] = [UNAUTH, Ok, FORBID, Ok];

/// Data the cases refer to.
struct Fixture {
    a: String,
    b: String,
    token_a: String,
    token_b: String,
    /// A's published post and draft.
    published: String,
    draft: String,
    /// Four drafts of A's, one per caller, for writes that change or remove them.
    drafts: Vec<String>,
    /// Four pending orders of A's, one per caller.
    orders: Vec<String>,
    product: String,
    /// Four products nobody ordered, one per caller.
    spare_products: Vec<String>,
    /// Four users nobody depends on, one per caller.
    spare_users: Vec<String>,
}

impl Fixture {
    fn token<'a>(&'a self, app: &'a TestApp, caller: Caller) -> Option<&'a str> {
        match caller {
            Caller::Anonymous => None,
            Caller::A => Some(&self.token_a),
            Caller::B => Some(&self.token_b),
            Caller::Admin => Some(&app.admin_token),
        }
    }
}

fn index(caller: Caller) -> usize {
    CALLERS.iter().position(|c| *c == caller).unwrap_or(0)
}

/// One root field: how to call it and what each caller gets.
struct Case {
    field: &'static str,
    document: &'static str,
    variables: fn(&Fixture, Caller) -> Value,
    expect: [Outcome; 4],
}

fn no_vars(_: &Fixture, _: Caller) -> Value {
    json!({})
}

fn cases() -> Vec<Case> {
    vec![
        // Queries.
        Case {
            field: "Query.me",
            document: "{ me { id } }",
            variables: no_vars,
            expect: [Null, Ok, Ok, Ok],
        },
        Case {
            field: "Query.user",
            document: "query($id: ID!) { user(id: $id) { id name tier } }",
            variables: |f, _| json!({ "id": f.a }),
            expect: PUBLIC,
        },
        Case {
            field: "Query.users",
            document: "{ users { totalCount } }",
            variables: no_vars,
            expect: ADMIN,
        },
        Case {
            field: "Query.post",
            document: "query($id: ID!) { post(id: $id) { title } }",
            variables: |f, _| json!({ "id": f.draft }),
            expect: [Null, Ok, Null, Ok],
        },
        Case {
            field: "Query.posts",
            document: "{ posts { totalCount } }",
            variables: no_vars,
            expect: PUBLIC,
        },
        Case {
            field: "Query.node",
            document: "query($id: ID!) { node(id: $id) { id } }",
            variables: |f, _| json!({ "id": f.draft }),
            expect: [Null, Ok, Null, Ok],
        },
        Case {
            field: "Query.nodes",
            document: "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            variables: |f, _| json!({ "ids": [f.draft, f.orders[0]] }),
            expect: PUBLIC,
        },
        Case {
            field: "Query.product",
            document: "query($id: ID!) { product(by: { id: $id }) { name } }",
            variables: |f, _| json!({ "id": f.product }),
            expect: PUBLIC,
        },
        Case {
            field: "Query.products",
            document: "{ products { totalCount } }",
            variables: no_vars,
            expect: PUBLIC,
        },
        Case {
            field: "Query.order",
            document: "query($id: ID!) { order(id: $id) { totalCents } }",
            variables: |f, _| json!({ "id": f.orders[0] }),
            expect: [UNAUTH, Ok, Null, Ok],
        },
        Case {
            field: "Query.orders",
            document: "{ orders { totalCount } }",
            variables: no_vars,
            expect: SIGNED_IN,
        },
        // Accounts.
        Case {
            field: "Mutation.signup",
            document: "mutation($e: String!) { signup(email: $e, name: \"New\", password: \"long enough\") { token } }",
            variables: |_, c| json!({ "e": format!("new{}@example.com", index(c)) }),
            expect: PUBLIC,
        },
        Case {
            field: "Mutation.login",
            document: "mutation { login(email: \"a@example.com\", password: \"correct horse battery\") { token } }",
            variables: no_vars,
            expect: PUBLIC,
        },
        Case {
            field: "Mutation.createUser",
            document: "mutation($e: String!) { createUser(input: { email: $e, name: \"Made\" }) { id } }",
            variables: |_, c| json!({ "e": format!("made{}@example.com", index(c)) }),
            expect: ADMIN,
        },
        Case {
            field: "Mutation.updateUser",
            document: "mutation($id: ID!) { updateUser(id: $id, input: { name: \"A again\" }) { name } }",
            variables: |f, _| json!({ "id": f.a }),
            expect: A_ONLY,
        },
        Case {
            field: "Mutation.deleteUser",
            document: "mutation($id: ID!) { deleteUser(id: $id) }",
            variables: |f, c| json!({ "id": f.spare_users[index(c)] }),
            expect: ADMIN,
        },
        Case {
            field: "Mutation.grantRole",
            document: "mutation($id: ID!) { grantRole(userId: $id, role: CUSTOMER) { id } }",
            variables: |f, _| json!({ "id": f.b }),
            expect: ADMIN,
        },
        Case {
            field: "Mutation.revokeRole",
            document: "mutation($id: ID!) { revokeRole(userId: $id, role: CUSTOMER) { id } }",
            variables: |f, _| json!({ "id": f.b }),
            expect: ADMIN,
        },
        // Posts.
        Case {
            field: "Mutation.createPost",
            document: "mutation { createPost(input: { title: \"Mine\", content: \"\" }) { id } }",
            variables: no_vars,
            expect: SIGNED_IN,
        },
        Case {
            field: "Mutation.updatePost",
            document: "mutation($id: ID!) { updatePost(id: $id, input: { content: \"edited\" }) { id } }",
            variables: |f, _| json!({ "id": f.published }),
            expect: A_ONLY,
        },
        Case {
            field: "Mutation.publishPost",
            document: "mutation($id: ID!) { publishPost(id: $id) { status } }",
            variables: |f, c| json!({ "id": f.drafts[index(c)] }),
            // B cannot even see A's drafts.
            expect: [UNAUTH, Ok, MISSING, Ok],
        },
        Case {
            field: "Mutation.deletePost",
            document: "mutation($id: ID!) { deletePost(id: $id) }",
            variables: |f, c| json!({ "id": f.drafts[index(c)] }),
            // B's target is still a draft B cannot see (`updatePost` covers a visible one).
            expect: [UNAUTH, Ok, MISSING, Ok],
        },
        // Catalog.
        Case {
            field: "Mutation.createProduct",
            document: "mutation($s: String!) { createProduct(input: { sku: $s, slug: $s, name: \"P\", category: \"c\", priceCents: 100 }) { id } }",
            variables: |_, c| json!({ "s": format!("made-{}", index(c)) }),
            expect: ADMIN,
        },
        Case {
            field: "Mutation.updateProduct",
            document: "mutation($id: ID!) { updateProduct(id: $id, input: { priceCents: 150 }) { id } }",
            variables: |f, _| json!({ "id": f.product }),
            expect: ADMIN,
        },
        Case {
            field: "Mutation.adjustStock",
            document: "mutation($id: ID!) { adjustStock(productId: $id, delta: 1) { stock } }",
            variables: |f, _| json!({ "id": f.product }),
            expect: ADMIN,
        },
        Case {
            field: "Mutation.upsertProduct",
            document: "mutation($s: String!) { upsertProduct(input: { sku: $s, slug: $s, name: \"P\", category: \"c\", priceCents: 100 }) { outcome } }",
            variables: |_, c| json!({ "s": format!("upserted-{}", index(c)) }),
            expect: ADMIN,
        },
        Case {
            field: "Mutation.upsertProducts",
            document: "mutation($s: String!) { upsertProducts(inputs: [{ sku: $s, slug: $s, name: \"P\", category: \"c\", priceCents: 100 }]) { outcome } }",
            variables: |_, c| json!({ "s": format!("synced-{}", index(c)) }),
            expect: ADMIN,
        },
        Case {
            field: "Mutation.deleteProduct",
            document: "mutation($id: ID!) { deleteProduct(id: $id) }",
            variables: |f, c| json!({ "id": f.spare_products[index(c)] }),
            expect: ADMIN,
        },
        // Orders.
        Case {
            field: "Mutation.createOrder",
            document: "mutation($p: ID!) { createOrder(input: { items: [{ productId: $p, quantity: 1 }] }) { id } }",
            variables: |f, _| json!({ "p": f.product }),
            expect: SIGNED_IN,
        },
        Case {
            field: "Mutation.updateOrderStatus",
            document: "mutation($id: ID!) { updateOrderStatus(id: $id, status: PAID) { status } }",
            variables: |f, c| json!({ "id": f.orders[index(c)] }),
            // Customers may only cancel; B cannot see A's order at all.
            expect: [UNAUTH, FORBID, MISSING, Ok],
        },
        Case {
            field: "Mutation.cancelOrder",
            document: "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
            variables: |f, c| json!({ "id": f.orders[index(c)] }),
            expect: [UNAUTH, Ok, MISSING, Ok],
        },
        Case {
            field: "Mutation.deleteOrder",
            document: "mutation($id: ID!) { deleteOrder(id: $id) }",
            variables: |f, c| json!({ "id": f.orders[index(c)] }),
            expect: ADMIN,
        },
        // Points.
        Case {
            field: "Mutation.transferPoints",
            document: "mutation($a: ID!, $b: ID!) { transferPoints(fromUserId: $a, toUserId: $b, points: 1) { to { id } } }",
            variables: |f, _| json!({ "a": f.a, "b": f.b }),
            expect: A_ONLY,
        },
        Case {
            field: "Mutation.redeemPoints",
            document: "mutation($a: ID!) { redeemPoints(userId: $a, points: 1) { id } }",
            variables: |f, _| json!({ "a": f.a }),
            expect: A_ONLY,
        },
        // Operations.
        Case {
            field: "Mutation.createBackup",
            document: "mutation { createBackup { name } }",
            variables: no_vars,
            expect: ADMIN,
        },
        Case {
            field: "Mutation.adjustPoints",
            document: "mutation($a: ID!) { adjustPoints(userId: $a, points: 5) { id } }",
            variables: |f, _| json!({ "a": f.a }),
            expect: ADMIN,
        },
    ]
}

/// `User` fields: (field, selection, outcomes when asked about A).
const USER_FIELDS: &[(&str, &str, [Outcome; 4])] = &[
    ("id", "id", PUBLIC),
    ("databaseId", "databaseId", PUBLIC),
    ("name", "name", PUBLIC),
    ("tier", "tier", PUBLIC),
    ("posts", "posts { totalCount }", PUBLIC),
    ("email", "email", A_ONLY),
    ("status", "status", A_ONLY),
    ("cardNumber", "cardNumber", A_ONLY),
    ("pointsBalance", "pointsBalance", A_ONLY),
    ("lifetimePoints", "lifetimePoints", A_ONLY),
    ("totalSpentCents", "totalSpentCents", A_ONLY),
    ("createdAt", "createdAt", A_ONLY),
    ("updatedAt", "updatedAt", A_ONLY),
    ("roles", "roles { name }", A_ONLY),
    ("orders", "orders { totalCount }", A_ONLY),
    (
        "pointTransactions",
        "pointTransactions { totalCount }",
        A_ONLY,
    ),
];

/// Fields whose visibility is that of the object they belong to: whoever may see a post (a
/// published one, or a draft's author), an order (its customer), a ledger row (its owner) sees
/// all of its fields. `Post.author`, `Order.customer` and `PointTransaction.counterparty` are
/// `User`s, whose own fields follow `USER_FIELDS`.
const INHERITED: &[&str] = &[
    "Post.id",
    "Post.databaseId",
    "Post.title",
    "Post.content",
    "Post.status",
    "Post.publishedAt",
    "Post.createdAt",
    "Post.updatedAt",
    "Post.authorId",
    "Post.author",
    "Product.id",
    "Product.databaseId",
    "Product.sku",
    "Product.slug",
    "Product.name",
    "Product.category",
    "Product.priceCents",
    "Product.stock",
    "Product.createdAt",
    "Product.updatedAt",
    "Order.id",
    "Order.databaseId",
    "Order.status",
    "Order.totalCents",
    "Order.pointsEarned",
    "Order.pointsUnreversed",
    "Order.createdAt",
    "Order.updatedAt",
    "Order.customerId",
    "Order.customer",
    "Order.items",
    "Order.itemCount",
    "OrderItem.id",
    "OrderItem.databaseId",
    "OrderItem.quantity",
    "OrderItem.unitPriceCents",
    "OrderItem.lineTotalCents",
    "OrderItem.productId",
    "OrderItem.product",
    "PointTransaction.id",
    "PointTransaction.databaseId",
    "PointTransaction.kind",
    "PointTransaction.points",
    "PointTransaction.createdAt",
    "PointTransaction.order",
    "PointTransaction.counterparty",
    "Role.id",
    "Role.databaseId",
    "Role.name",
    "AuthPayload.token",
    "AuthPayload.user",
    "PointTransfer.from",
    "PointTransfer.to",
    "ProductUpsertResult.outcome",
    "ProductUpsertResult.product",
    "Backup.name",
    "Backup.format",
    "Backup.bytes",
];

/// Subscription fields, checked over WebSocket in `subscriptions.rs`.
const SUBSCRIPTIONS: &[&str] = &[
    "Subscription.orderCreated",
    "Subscription.orderStatusChanged",
];

/// Relay plumbing: its visibility is the list's.
fn is_structural(type_name: &str) -> bool {
    type_name == "PageInfo" || type_name.ends_with("Connection") || type_name.ends_with("Edge")
}

async fn setup(app: &TestApp) -> Fixture {
    let (a, token_a) = app.signup("a@example.com", "A").await;
    let (b, token_b) = app.signup("b@example.com", "B").await;
    let product = gid(
        Kind::Product,
        app.create_product("thing", "misc", 1_000, 1_000).await,
    );
    let mut spare_products = Vec::new();
    let mut spare_users = Vec::new();
    let mut drafts = Vec::new();
    let mut orders = Vec::new();
    for i in 0..4 {
        spare_products.push(gid(
            Kind::Product,
            app.create_product(&format!("spare-{i}"), "misc", 100, 0)
                .await,
        ));
        spare_users.push(
            app.create_user(&format!("spare{i}@example.com"), "Spare")
                .await,
        );
        drafts.push(app.create_post(&a, &format!("draft {i}"), false).await);
        orders.push(gid(
            Kind::Order,
            app.create_order(&a, &[(db_id(&product), 1)]).await,
        ));
    }
    app.data(
        "mutation($a: ID!) { adjustPoints(userId: $a, points: 100) { id } }",
        json!({ "a": a }),
    )
    .await;
    let published = app.create_post(&a, "public", true).await;
    let draft = app.create_post(&a, "private", false).await;
    Fixture {
        a,
        b,
        token_a,
        token_b,
        published,
        draft,
        drafts,
        orders,
        product,
        spare_products,
        spare_users,
    }
}

fn outcome(body: &Value, field: &str) -> Outcome {
    if let Some(code) = body["errors"][0]["extensions"]["code"].as_str() {
        return match code {
            "UNAUTHENTICATED" => UNAUTH,
            "FORBIDDEN" => FORBID,
            "NOT_FOUND" => MISSING,
            other => panic!("unexpected error code {other}: {body}"),
        };
    }
    assert!(body.get("errors").is_none(), "error without code: {body}");
    if body["data"][field].is_null() {
        Null
    } else {
        Ok
    }
}

async fn every_field_has_a_rule_and_keeps_it(app: TestApp) {
    let fixture = setup(&app).await;
    let cases = cases();

    // The walk: every field of every object type must have a rule.
    let schema = app
        .data(
            "{ __schema { types { name kind fields { name } } } }",
            json!({}),
        )
        .await;
    let mut ruled: BTreeSet<String> = cases.iter().map(|c| c.field.to_owned()).collect();
    ruled.extend(USER_FIELDS.iter().map(|(f, _, _)| format!("User.{f}")));
    ruled.extend(INHERITED.iter().map(|f| f.to_string()));
    ruled.extend(SUBSCRIPTIONS.iter().map(|f| f.to_string()));
    let mut missing = Vec::new();
    let mut present = BTreeSet::new();
    for ty in schema["__schema"]["types"].as_array().unwrap() {
        let name = ty["name"].as_str().unwrap();
        if ty["kind"] != "OBJECT" || name.starts_with("__") || is_structural(name) {
            continue;
        }
        for field in ty["fields"].as_array().unwrap() {
            let key = format!("{name}.{}", field["name"].as_str().unwrap());
            if !ruled.contains(&key) {
                missing.push(key.clone());
            }
            present.insert(key);
        }
    }
    assert!(
        missing.is_empty(),
        "fields without a permission rule: {missing:?}"
    );
    let stale: Vec<&String> = ruled.difference(&present).collect();
    assert!(
        stale.is_empty(),
        "rules for fields that no longer exist: {stale:?}"
    );

    // Every query and mutation, as each caller.
    for case in &cases {
        let root = case.field.split('.').nth(1).unwrap();
        for (caller, expected) in CALLERS.iter().zip(case.expect) {
            let body = app
                .graphql_as(
                    fixture.token(&app, *caller),
                    case.document,
                    (case.variables)(&fixture, *caller),
                )
                .await;
            assert_eq!(
                outcome(&body, root),
                expected,
                "{} as {caller:?}: {body}",
                case.field
            );
        }
    }

    // Every field of A's user, as each caller. A refused private field is null with its
    // error at its own path: the public `User` around it stays.
    for (field, selection, expect) in USER_FIELDS {
        let document = format!("query($id: ID!) {{ user(id: $id) {{ name {selection} }} }}");
        for (caller, expected) in CALLERS.iter().zip(*expect) {
            let body = app
                .graphql_as(
                    fixture.token(&app, *caller),
                    &document,
                    json!({ "id": fixture.a }),
                )
                .await;
            assert_eq!(
                outcome(&body, "user"),
                expected,
                "User.{field} as {caller:?}: {body}"
            );
            assert!(
                body["data"]["user"]["name"].is_string(),
                "User.{field} as {caller:?}: {body}"
            );
            if matches!(expected, Err(_)) {
                assert_eq!(
                    body["errors"][0]["path"],
                    json!(["user", field]),
                    "User.{field} as {caller:?}: {body}"
                );
                assert!(
                    body["data"]["user"][field].is_null(),
                    "User.{field} as {caller:?}: {body}"
                );
                assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "{body}");
            }
        }
    }

    // B never sees A's drafts in lists; A does.
    let titles = |body: Value| -> Vec<String> {
        body["data"]["posts"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let query = "{ posts(first: 100) { nodes { title } } }";
    let for_b = titles(
        app.graphql_as(Some(&fixture.token_b), query, json!({}))
            .await,
    );
    assert!(
        !for_b.contains(&"private".to_owned()) && for_b.contains(&"public".to_owned()),
        "{for_b:?}"
    );
    let for_a = titles(
        app.graphql_as(Some(&fixture.token_a), query, json!({}))
            .await,
    );
    assert!(for_a.contains(&"private".to_owned()), "{for_a:?}");
    // `nodes` shows B neither A's draft nor A's order; A sees both.
    let nodes = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    let ids = json!({ "ids": [fixture.draft, fixture.orders[0]] });
    let for_b = app
        .graphql_as(Some(&fixture.token_b), nodes, ids.clone())
        .await;
    assert_eq!(for_b["data"]["nodes"], json!([null, null]), "{for_b}");
    let for_a = app.graphql_as(Some(&fixture.token_a), nodes, ids).await;
    assert_eq!(
        for_a["data"]["nodes"],
        json!([{ "id": fixture.draft }, { "id": fixture.orders[0] }]),
        "{for_a}"
    );
    // B's list of orders holds none of A's, whatever B filters on.
    let orders = app
        .graphql_as(
            Some(&fixture.token_b),
            "query($a: ID!) { orders(filter: { customerId: { eq: $a } }) { totalCount } }",
            json!({ "a": fixture.a }),
        )
        .await;
    assert_eq!(orders["data"]["orders"]["totalCount"], 0, "{orders}");
}
