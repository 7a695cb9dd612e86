//! The service's event bus: committed order changes only.

use serde_json::json;
use service::events::OrderEvent;
use tests::{CREATE_ORDER, Kind, TestApp, both_backends, gid};

both_backends!(order_events_follow_commits);

async fn order_events_follow_commits(app: TestApp) {
    let mut events = app.events.subscribe();
    let ada = app.create_user("ada@example.com", "Ada").await;
    let mug = app.create_product("mug", "kitchen", 1_000, 1).await;

    let order = app.create_order(&ada, &[(mug, 1)]).await;
    // Rolled back: out of stock, and an invalid transition.
    app.error(CREATE_ORDER, TestApp::order_input(&ada, &[(mug, 1)]))
        .await;
    app.graphql(
        "mutation($id: ID!) { updateOrderStatus(id: $id, status: DELIVERED) { id } }",
        json!({ "id": gid(Kind::Order, order) }),
    )
    .await;
    app.data(
        "mutation($id: ID!) { updateOrderStatus(id: $id, status: PAID) { id } }",
        json!({ "id": gid(Kind::Order, order) }),
    )
    .await;

    match events.try_recv().expect("created event") {
        OrderEvent::Created { order: o } => assert_eq!((o.id, o.total_cents), (order, 1_000)),
        other => panic!("expected Created, got {other:?}"),
    }
    match events.try_recv().expect("status event") {
        OrderEvent::StatusChanged { order: o, from } => {
            assert_eq!(o.id, order);
            assert_eq!(from, service::OrderStatus::Pending);
            assert_eq!(o.status, service::OrderStatus::Paid);
        }
        other => panic!("expected StatusChanged, got {other:?}"),
    }
    assert!(events.try_recv().is_err(), "nothing for rolled-back work");
}
