//! The event bus: order creation and status changes, published after the transaction that
//! made them has committed (never for work that was rolled back).
//!
//! Within one process the bus is a broadcast channel. On PostgreSQL the events also cross
//! processes: the writing transaction sends `pg_notify` (PostgreSQL delivers notifications
//! only when, and if, the transaction commits), and every instance listens and republishes
//! what other instances wrote, so a subscriber on one instance sees orders placed through
//! another.

use crate::{Error, Result};
use entity::{OrderStatus, order};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::broadcast;

/// Channel the instances notify each other on.
pub const CHANNEL: &str = "shopgraph_order_events";

/// Something that happened to an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderEvent {
    /// A new order was placed.
    Created { order: order::Model },
    /// An order moved from `from` to its current status.
    StatusChanged {
        order: order::Model,
        from: OrderStatus,
    },
}

impl OrderEvent {
    /// The order as it is after the event.
    pub fn order(&self) -> &order::Model {
        match self {
            Self::Created { order } | Self::StatusChanged { order, .. } => order,
        }
    }
}

/// What crosses processes: small, and the listener reloads the order itself.
#[derive(Debug, Serialize, Deserialize)]
struct Notice {
    /// The instance that wrote it (which already published it locally).
    instance: String,
    order_id: i32,
    /// `None` for a new order, the previous status for a change.
    from: Option<String>,
}

/// Fan-out of events to every subscriber. Cloning shares the bus.
#[derive(Clone, Debug)]
pub struct EventBus {
    sender: broadcast::Sender<OrderEvent>,
    instance: String,
}

impl EventBus {
    /// A bus that keeps up to `capacity` events for slow subscribers (older ones are dropped
    /// for them, and they are told how many they missed).
    pub fn new(capacity: usize) -> Self {
        Self {
            sender: broadcast::channel(capacity.max(1)).0,
            instance: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    /// Receives every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<OrderEvent> {
        self.sender.subscribe()
    }

    /// Publishes a committed change. Having no subscriber is normal.
    pub(crate) fn publish(&self, event: OrderEvent) {
        let _ = self.sender.send(event);
    }

    /// Inside the writing transaction: tells the other instances about `order_ids` (PostgreSQL
    /// only, in one statement; a no-op elsewhere). Delivered at commit, dropped with a rollback.
    pub(crate) async fn notify_in(
        &self,
        txn: &impl ConnectionTrait,
        order_ids: &[i32],
        from: Option<OrderStatus>,
    ) -> Result<()> {
        if txn.get_database_backend() != DatabaseBackend::Postgres || order_ids.is_empty() {
            return Ok(());
        }
        let mut values: Vec<sea_orm::Value> = vec![CHANNEL.into()];
        let mut calls = Vec::with_capacity(order_ids.len());
        for &order_id in order_ids {
            let notice = Notice {
                instance: self.instance.clone(),
                order_id,
                from: from.map(|s| status_name(s).to_owned()),
            };
            let payload = serde_json::to_string(&notice)
                .map_err(|e| Error::internal("encoding an order event notice", e))?;
            values.push(payload.into());
            calls.push(format!("pg_notify($1, ${})", values.len()));
        }
        txn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            format!("SELECT {}", calls.join(", ")),
            values,
        ))
        .await?;
        Ok(())
    }

    /// On PostgreSQL, listens for other instances' events and republishes them here, until
    /// the process ends (reconnecting after errors). Does nothing on other databases.
    pub fn listen_to_other_instances(&self, url: &str, db: DatabaseConnection) {
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return;
        }
        let bus = self.clone();
        let url = url.to_owned();
        tokio::spawn(async move {
            loop {
                if let Err(err) = bus.listen(&url, &db).await {
                    tracing::warn!(error = %err, "order event listener failed; reconnecting in 1 s");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    async fn listen(
        &self,
        url: &str,
        db: &DatabaseConnection,
    ) -> std::result::Result<(), sea_orm::sqlx::Error> {
        let mut listener = sea_orm::sqlx::postgres::PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        tracing::info!(
            channel = CHANNEL,
            "listening for other instances' order events"
        );
        loop {
            let notification = listener.recv().await?;
            let Ok(notice) = serde_json::from_str::<Notice>(notification.payload()) else {
                tracing::warn!("ignoring a malformed order event notification");
                continue;
            };
            if notice.instance == self.instance {
                continue;
            }
            match crate::domain::orders::get(db, notice.order_id).await {
                Ok(Some(order)) => {
                    let event = match notice.from.as_deref().and_then(parse_status) {
                        Some(from) => OrderEvent::StatusChanged { order, from },
                        None => OrderEvent::Created { order },
                    };
                    self.publish(event);
                }
                Ok(None) => {}
                Err(err) => tracing::warn!(error = %err, "cannot load a notified order"),
            }
        }
    }
}

fn status_name(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Pending => "pending",
        OrderStatus::Paid => "paid",
        OrderStatus::Shipped => "shipped",
        OrderStatus::Delivered => "delivered",
        OrderStatus::Cancelled => "cancelled",
    }
}

fn parse_status(name: &str) -> Option<OrderStatus> {
    use sea_orm::Iterable;
    OrderStatus::iter().find(|s| status_name(*s) == name)
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new(1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_round_trip() {
        use sea_orm::Iterable;
        for status in OrderStatus::iter() {
            assert_eq!(parse_status(status_name(status)), Some(status));
        }
    }
}
