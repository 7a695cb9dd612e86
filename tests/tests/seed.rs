//! The demo seed and the lookups a new user tries first.

use serde_json::json;
use tests::{TestApp, both_backends};

both_backends!(seed_is_idempotent);

async fn seed_is_idempotent(app: TestApp) {
    let first = service::ops::seed::demo(&app.db, &app.events, None)
        .await
        .unwrap();
    assert!(first.generated_admin_password.is_some(), "shown once");
    assert!(
        first.users >= 4 && first.products >= 8 && first.orders >= 3 && first.posts >= 6,
        "{first:?}"
    );
    let count = "{ users { totalCount } posts { totalCount } products { totalCount } orders { totalCount } }";
    let before = app.data(count, json!({})).await;
    let second = service::ops::seed::demo(&app.db, &app.events, None)
        .await
        .unwrap();
    assert_eq!(
        second,
        service::ops::seed::SeedReport::default(),
        "second run creates nothing"
    );
    assert_eq!(app.data(count, json!({})).await, before);

    let admin = app
        .data("{ users(filter: { email: { eq: \"admin@shopgraph.dev\" } }) { nodes { roles { name } } } }", json!({}))
        .await;
    assert_eq!(admin["users"]["nodes"][0]["roles"][0]["name"], "ADMIN");
}
