//! User mutations and their errors.

use serde_json::json;
use tests::{Kind, TestApp, both_backends, db_id, gid};

both_backends!(
    creates_users_with_card_numbers,
    rejects_bad_user_input,
    duplicate_email_is_a_conflict,
    updates_and_deletes_users,
    user_with_orders_cannot_be_deleted,
);

const CREATE: &str = "mutation($input: CreateUserInput!) {
    createUser(input: $input) { id email name status cardNumber pointsBalance tier createdAt updatedAt }
}";

async fn creates_users_with_card_numbers(app: TestApp) {
    let data = app
        .data(
            CREATE,
            json!({ "input": { "email": " Ada@Example.com ", "name": "  Ada Lovelace " } }),
        )
        .await;
    let user = &data["createUser"];
    let id: i32 = db_id(user["id"].as_str().unwrap());
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["name"], "Ada Lovelace");
    assert_eq!(user["status"], "ACTIVE");
    assert_eq!(user["cardNumber"], format!("LC-{id:06}"));
    assert_eq!(user["pointsBalance"], 0);
    assert_eq!(user["tier"], "BRONZE");
    let created = user["createdAt"].as_str().unwrap();
    assert!(
        created.ends_with("+00:00") || created.ends_with('Z'),
        "UTC timestamps: {user}"
    );

    let fetched = app
        .data(
            "query($id: ID!) { user(id: $id) { name cardNumber } }",
            json!({ "id": gid(Kind::User, id) }),
        )
        .await;
    assert_eq!(fetched["user"]["cardNumber"], user["cardNumber"]);
}

async fn rejects_bad_user_input(app: TestApp) {
    for (input, field) in [
        (json!({ "email": "not-an-email", "name": "Ada" }), "email"),
        (json!({ "email": "ada@localhost", "name": "Ada" }), "email"),
        (json!({ "email": "ada@example.com", "name": "   " }), "name"),
        (
            json!({ "email": "ada@example.com", "name": "x".repeat(101) }),
            "name",
        ),
    ] {
        let error = app.error(CREATE, json!({ "input": input })).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
        assert_eq!(error["extensions"]["field"], field, "{error}");
    }
    let count = app.data("{ users { totalCount } }", json!({})).await;
    assert_eq!(
        count["users"]["totalCount"], 1,
        "nothing was written (the admin is user 1)"
    );
    let error = app.error("{ user(id: \"abc\") { id } }", json!({})).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
}

async fn duplicate_email_is_a_conflict(app: TestApp) {
    app.create_user("ada@example.com", "Ada").await;
    let error = app
        .error(
            CREATE,
            json!({ "input": { "email": "ADA@example.com", "name": "Other" } }),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "CONFLICT", "{error}");
    assert_eq!(error["extensions"]["field"], "email");
    let message = error["message"].as_str().unwrap().to_lowercase();
    assert!(
        !message.contains("unique") && !message.contains("insert"),
        "leaks SQL: {message}"
    );

    let grace = app.create_user("grace@example.com", "Grace").await;
    let code = app
        .error_code(
            "mutation($id: ID!) { updateUser(id: $id, input: { email: \"ada@example.com\" }) { id } }",
            json!({ "id": grace }),
        )
        .await;
    assert_eq!(code, "CONFLICT");
}

async fn updates_and_deletes_users(app: TestApp) {
    let id = app.create_user("ada@example.com", "Ada").await;
    let before = app
        .data(
            "query($id: ID!) { user(id: $id) { updatedAt } }",
            json!({ "id": id }),
        )
        .await;
    let data = app
        .data(
            "mutation($id: ID!) { updateUser(id: $id, input: { name: \"Ada L.\", status: INACTIVE }) { name status email updatedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["updateUser"]["name"], "Ada L.");
    assert_eq!(data["updateUser"]["status"], "INACTIVE");
    assert_eq!(data["updateUser"]["email"], "ada@example.com");
    assert!(data["updateUser"]["updatedAt"].as_str() >= before["user"]["updatedAt"].as_str());

    let code = app
        .error_code(
            "mutation { updateUser(id: \"VXNlcjo5OTk\", input: { name: \"X\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");

    app.create_post(&id, "Hello", true).await;
    let deleted = app
        .data(
            "mutation($id: ID!) { deleteUser(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(deleted["deleteUser"], id);
    let gone = app
        .data(
            "query($id: ID!) { user(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert!(gone["user"].is_null());
    let posts = app.data("{ posts { totalCount } }", json!({})).await;
    assert_eq!(
        posts["posts"]["totalCount"], 0,
        "posts go with their author"
    );
    let code = app
        .error_code(
            "mutation($id: ID!) { deleteUser(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
}

async fn user_with_orders_cannot_be_deleted(app: TestApp) {
    let id = app.create_user("ada@example.com", "Ada").await;
    app.create_post(&id, "Hello", true).await;
    let mug = app.create_product("mug", "kitchen", 1_250, 5).await;
    app.create_order(&id, &[(mug, 2)]).await;

    let error = app
        .error(
            "mutation($id: ID!) { deleteUser(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "CONFLICT", "{error}");
    let still = app
        .data(
            "query($id: ID!) { user(id: $id) { id posts { totalCount } orders { totalCount } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(still["user"]["posts"]["totalCount"], 1, "nothing deleted");
    assert_eq!(still["user"]["orders"]["totalCount"], 1);
}
