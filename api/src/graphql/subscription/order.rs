//! `orderCreated` and `orderStatusChanged`.

use crate::graphql::args::{Kind, parse_id};
use crate::graphql::error::GqlResult;
use crate::graphql::types::Order;
use crate::graphql::viewer::viewer;
use async_graphql::futures_util::stream::{self, Stream};
use async_graphql::{Context, ID, Subscription};
use service::DatabaseConnection;
use service::events::EventBus;
use service::orders::{self, OrderFeed};

/// A feed as a stream of `Order`s.
fn stream_of(feed: OrderFeed) -> impl Stream<Item = Order> {
    stream::unfold(feed, |mut feed| async move {
        let order = feed.next().await?;
        Some((Order::from(order), feed))
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
        let bus = ctx.data::<EventBus>()?;
        Ok(stream_of(orders::created(bus, &viewer).gql()?))
    }

    /// Every status change of one order (the customer's own, or any for admins).
    async fn order_status_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order to follow.")] order_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = Order>> {
        let id = parse_id("orderId", Kind::Order, &order_id)?;
        let viewer = viewer(ctx);
        let bus = ctx.data::<EventBus>()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let feed = orders::status_changes(db, bus, &viewer, id).await.gql()?;
        Ok(stream_of(feed))
    }
}
