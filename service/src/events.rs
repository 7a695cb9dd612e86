//! The in-process event bus: order creation and status changes, published after the
//! transaction that made them has committed (never for work that was rolled back).

use entity::{OrderStatus, order};
use tokio::sync::broadcast;

/// Something that happened to an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderEvent {
    /// A new order was placed.
    Created { order: order::Model },
    /// An order moved from `from` to its current status.
    StatusChanged { order: order::Model, from: OrderStatus },
}

impl OrderEvent {
    /// The order as it is after the event.
    pub fn order(&self) -> &order::Model {
        match self {
            Self::Created { order } | Self::StatusChanged { order, .. } => order,
        }
    }
}

/// Fan-out of events to every subscriber. Cloning shares the bus.
#[derive(Clone, Debug)]
pub struct EventBus(broadcast::Sender<OrderEvent>);

impl EventBus {
    /// A bus that keeps up to `capacity` events for slow subscribers (older ones are dropped
    /// for them, and they are told how many they missed).
    pub fn new(capacity: usize) -> Self {
        Self(broadcast::channel(capacity.max(1)).0)
    }

    /// Receives every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<OrderEvent> {
        self.0.subscribe()
    }

    /// Publishes a committed change. Having no subscriber is normal.
    pub(crate) fn publish(&self, event: OrderEvent) {
        let _ = self.0.send(event);
    }
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new(1024)
    }
}
