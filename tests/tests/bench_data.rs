//! Generated benchmark data: deterministic, idempotent, consistent.

use tests::bench_data::{Spec, generate};
use tests::{TestApp, both_backends, spawn_app};

both_backends!(generated_data_is_deterministic_and_consistent);

async fn generated_data_is_deterministic_and_consistent(app: TestApp) {
    let spec = Spec {
        users: 40,
        posts_per_user: 3,
        products: 15,
        orders: 120,
        seed: 7,
    };
    let first = generate(&app.db, spec, |_, _| {}).await.unwrap();
    assert!(first.written);
    assert!(first.rows >= 40 + 120 + 15 + 120, "{first:?}");
    assert!(
        !generate(&app.db, spec, |_, _| {}).await.unwrap().written,
        "a second run changes nothing"
    );
    app.assert_ledger_consistent().await;

    // The same seed elsewhere gives the same rows.
    let other = spawn_app(app.backend).await;
    generate(&other.db, spec, |_, _| {}).await.unwrap();
    let ours = service::ops::backup::export(&app.db).await.unwrap();
    let theirs = service::ops::backup::export(&other.db).await.unwrap();
    let generated = |dump: &service::ops::backup::Dump| {
        dump.tables
            .iter()
            .filter(|t| t.name != "users" && t.name != "user_roles" && t.name != "roles")
            .map(|t| t.checksum.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(generated(&ours), generated(&theirs));
    // And the API serves it: every order of a page has items.
    let data = app.data("{ orders(first: 50, filter: { status: { eq: PAID } }) { nodes { items { quantity product { name } } customer { name } } } }", serde_json::json!({})).await;
    let nodes = data["orders"]["nodes"].as_array().unwrap();
    assert!(!nodes.is_empty());
    assert!(
        nodes
            .iter()
            .all(|o| !o["items"].as_array().unwrap().is_empty())
    );
}
