//! Following orders as they change (what GraphQL subscriptions serve): each feed lets
//! through only the events its caller may see.

use crate::domain::access::Viewer;
use crate::domain::events::{EventBus, OrderEvent};
use crate::{Error, Result};
use entity::order;
use sea_orm::ConnectionTrait;
use tokio::sync::broadcast::{Receiver, error::RecvError};

/// The events of one subscription, as its caller may see them.
pub struct OrderFeed {
    events: Receiver<OrderEvent>,
    viewer: Viewer,
    follows: Follows,
}

#[derive(Clone, Copy)]
enum Follows {
    /// New orders.
    Created,
    /// Status changes of one order.
    StatusOf(i32),
}

/// New orders as they are placed: every order for admins, their own for customers. Sign in
/// first.
pub fn created(bus: &EventBus, viewer: &Viewer) -> Result<OrderFeed> {
    viewer.require_caller()?;
    Ok(OrderFeed {
        events: bus.subscribe(),
        viewer: *viewer,
        follows: Follows::Created,
    })
}

/// Every status change of order `id`, which the caller must be able to see (NOT_FOUND
/// otherwise). Sign in first.
pub async fn status_changes(
    db: &impl ConnectionTrait,
    bus: &EventBus,
    viewer: &Viewer,
    id: i32,
) -> Result<OrderFeed> {
    viewer.require_caller()?;
    // Subscribed before the check, so no change between the check and the subscription is
    // lost.
    let events = bus.subscribe();
    let visible = super::get(db, id)
        .await?
        .is_some_and(|o| viewer.can_read_order(&o));
    if !visible {
        return Err(Error::not_found("order", id));
    }
    Ok(OrderFeed {
        events,
        viewer: *viewer,
        follows: Follows::StatusOf(id),
    })
}

impl OrderFeed {
    /// The next order this feed shows, as the event left it; `None` once the bus is gone. A
    /// subscriber too slow to keep up skips what it missed (logged).
    pub async fn next(&mut self) -> Option<order::Model> {
        loop {
            let event = match self.events.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "subscriber fell behind; events skipped");
                    continue;
                }
                Err(RecvError::Closed) => return None,
            };
            match (self.follows, event) {
                (Follows::Created, OrderEvent::Created { order })
                    if self.viewer.can_read_order(&order) =>
                {
                    return Some(order);
                }
                (Follows::StatusOf(id), OrderEvent::StatusChanged { order, .. })
                    if order.id == id =>
                {
                    return Some(order);
                }
                _ => {}
            }
        }
    }
}
