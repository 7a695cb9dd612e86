//! A rule that depends on the caller alone (admins only, signed in) is checked before the
//! caller's arguments are: a caller who may not act is told so, whatever they sent, and only
//! one who may learns that an argument is malformed.

use serde_json::{Value, json};
use tests::{TestApp, both_backends};

both_backends!(the_caller_is_checked_before_the_arguments);

/// Not a shopgraph id.
const MALFORMED: &str = "not-an-id";

/// (operation, document with `$id` for the malformed argument, whether a customer may use it
/// at all).
const CASES: &[(&str, &str, bool)] = &[
    (
        "deleteUser",
        "mutation($id: ID!) { deleteUser(id: $id) }",
        false,
    ),
    (
        "grantRole",
        "mutation($id: ID!) { grantRole(userId: $id, role: CUSTOMER) { id } }",
        false,
    ),
    (
        "revokeRole",
        "mutation($id: ID!) { revokeRole(userId: $id, role: CUSTOMER) { id } }",
        false,
    ),
    (
        "deleteOrder",
        "mutation($id: ID!) { deleteOrder(id: $id) }",
        false,
    ),
    (
        "adjustPoints",
        "mutation($id: ID!) { adjustPoints(userId: $id, points: 5) { id } }",
        false,
    ),
    (
        "users",
        "query($id: ID!) { users(filter: { id: { eq: $id } }) { totalCount } }",
        false,
    ),
    (
        "orders",
        "query($id: ID!) { orders(filter: { customerId: { eq: $id } }) { totalCount } }",
        true,
    ),
    (
        "transferPoints",
        "mutation($id: ID!) { transferPoints(toUserId: $id, points: 1) { from { id } } }",
        true,
    ),
];

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

async fn the_caller_is_checked_before_the_arguments(app: TestApp) {
    let (_, customer) = app.signup("ada@example.com", "Ada").await;
    let id = json!({ "id": MALFORMED });
    for (operation, document, customers_may) in CASES {
        let anonymous = app.graphql_as(None, document, id.clone()).await;
        assert_eq!(
            code(&anonymous),
            "UNAUTHENTICATED",
            "{operation}: {anonymous}"
        );
        let as_customer = app.graphql_as(Some(&customer), document, id.clone()).await;
        let expected = if *customers_may {
            "BAD_USER_INPUT"
        } else {
            "FORBIDDEN"
        };
        assert_eq!(code(&as_customer), expected, "{operation}: {as_customer}");
        let as_admin = app.graphql(document, id.clone()).await;
        assert_eq!(code(&as_admin), "BAD_USER_INPUT", "{operation}: {as_admin}");
    }
}
