//! The subscription root: order events over WebSocket (graphql-transport-ws on `/graphql/ws`),
//! fed by the service layer's event bus.

mod order;

use async_graphql::MergedSubscription;

/// Every subscription field.
#[derive(MergedSubscription, Default)]
pub struct Subscription(order::OrderSubscription);
