//! `orderCreated` and `orderStatusChanged`.

use crate::graphql::args::{Kind, parse_id};
use crate::graphql::error::GqlResult;
use crate::graphql::types::Order;
use crate::graphql::viewer::viewer;
use async_graphql::futures_util::stream::{self, Stream, StreamExt};
use async_graphql::{Context, ID, Subscription};
use service::events::{EventBus, OrderEvent};
use service::{DatabaseConnection, Error, orders};
use tokio::sync::broadcast::{Receiver, error::RecvError};

/// The bus as a stream; a subscriber too slow to keep up skips what it missed (logged).
fn events(receiver: Receiver<OrderEvent>) -> impl Stream<Item = OrderEvent> {
    stream::unfold(receiver, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(event) => return Some((event, rx)),
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "subscriber fell behind; events skipped")
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}

#[derive(Default)]
pub struct OrderSubscription;

#[Subscription]
impl OrderSubscription {
    /// Orders as they are placed: every order for admins, their own for customers.
    async fn order_created(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = Order>> {
        let viewer = viewer(ctx);
        viewer.require_caller().gql()?;
        let bus = ctx.data::<EventBus>()?;
        Ok(events(bus.subscribe()).filter_map(move |event| async move {
            match event {
                OrderEvent::Created { order } if viewer.can_read_order(&order) => {
                    Some(Order::from(order))
                }
                _ => None,
            }
        }))
    }

    /// Every status change of one order (the customer's own, or any for admins).
    async fn order_status_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order to follow.")] order_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = Order>> {
        let id = parse_id("orderId", Kind::Order, &order_id)?;
        let viewer = viewer(ctx);
        viewer.require_caller().gql()?;
        let bus = ctx.data::<EventBus>()?;
        // Subscribe before checking, so no change between the check and the subscription is lost.
        let receiver = bus.subscribe();
        let db = ctx.data::<DatabaseConnection>()?;
        let visible = orders::get(db, id)
            .await
            .gql()?
            .is_some_and(|o| viewer.can_read_order(&o));
        if !visible {
            return Err(Error::not_found("order", id)).gql();
        }
        Ok(events(receiver).filter_map(move |event| async move {
            match event {
                OrderEvent::StatusChanged { order, .. } if order.id == id => {
                    Some(Order::from(order))
                }
                _ => None,
            }
        }))
    }
}
