//! `createOrder`, `updateOrderStatus`, `cancelOrder`, `deleteOrder`.

use crate::graphql::args::{Kind, global_id, parse_id};
use crate::graphql::engine::turn::Turn;
use crate::graphql::error::GqlResult;
use crate::graphql::keyed;
use crate::graphql::types::Order;
use crate::graphql::types::enums::OrderStatus;
use crate::graphql::viewer::viewer;
use async_graphql::{Context, ID, InputObject, Object};
use service::events::EventBus;
use service::{DatabaseConnection, orders};
use std::sync::Arc;

/// One line of a new order.
#[derive(InputObject)]
pub struct OrderLineInput {
    /// The product to order.
    pub product_id: ID,
    /// 1 to 1,000 (repeated products are merged into one line).
    pub quantity: i32,
}

/// A new order. Prices come from the catalog.
#[derive(InputObject)]
pub struct CreateOrderInput {
    /// The caller when omitted; only admins order for others.
    pub customer_id: Option<ID>,
    /// The lines: 1 to 100 of them.
    pub items: Vec<OrderLineInput>,
}

#[derive(Default)]
pub struct OrderMutation;

/// Moves order `id` to `to`; or, when an earlier run of this keyed request did, answers with
/// the order as it is.
async fn change_status(
    ctx: &Context<'_>,
    id: i32,
    to: service::OrderStatus,
) -> async_graphql::Result<Order> {
    let db = ctx.data::<DatabaseConnection>()?;
    let viewer = viewer(ctx);
    if let Some(outcome) = keyed::recovered(ctx) {
        let id = outcome.id(0).gql()?;
        let order = orders::find(db, &viewer, id)
            .await
            .gql()?
            .ok_or_else(|| service::Error::not_found("order", id))
            .gql()?;
        return Ok(Order::from(order));
    }
    let events = ctx.data::<EventBus>()?;
    let attempt = keyed::attempt(ctx);
    Ok(Order::from(
        orders::change_status(db, events, &viewer, id, to, attempt)
            .await
            .gql()?,
    ))
}

#[Object]
impl OrderMutation {
    /// Places an order in one transaction: stock is taken (OUT_OF_STOCK when short, with
    /// productId, requested and available), the total computed in cents and loyalty points
    /// earned. Any failure leaves no trace.
    ///
    /// Takes an `Idempotency-Key` header: a retry with the same key and body gets the first
    /// response back (with `Idempotency-Replayed: true`) and writes nothing.
    async fn create_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer and the lines.")] input: CreateOrderInput,
    ) -> async_graphql::Result<Order> {
        let viewer = viewer(ctx);
        if let Some(outcome) = keyed::recovered(ctx) {
            let db = ctx.data::<DatabaseConnection>()?;
            let id = outcome.id(0).gql()?;
            let (order, items) = orders::find_placed(db, &viewer, id).await.gql()?;
            return Ok(Order::placed(order, items));
        }
        let checkout = ctx.data::<orders::Checkout>()?;
        let mut items = Vec::with_capacity(input.items.len());
        for (i, line) in input.items.iter().enumerate() {
            let product_id = parse_id(
                &format!("items[{i}].productId"),
                Kind::Product,
                &line.product_id,
            )?;
            items.push(orders::NewLine {
                product_id,
                quantity: line.quantity,
            });
        }
        let customer_id = input
            .customer_id
            .as_ref()
            .map(|id| parse_id("customerId", Kind::User, id))
            .transpose()?;
        let new = orders::NewOrder { customer_id, items };
        let placing = checkout.create(&viewer, new, keyed::attempt(ctx));
        // Queued behind other orders, this request only waits: it hands its turn back.
        let (order, items) = match ctx.data_opt::<Arc<Turn>>() {
            Some(turn) => turn.wait_aside(placing).await,
            None => placing.await,
        }
        .gql()?;
        Ok(Order::placed(order, items))
    }

    /// Moves an order along PENDING → PAID → SHIPPED → DELIVERED, or to CANCELLED from PENDING
    /// or PAID (stock comes back, earned points are taken back). Anything else →
    /// INVALID_TRANSITION with `from` and `to`. Admins; customers may only cancel their own.
    ///
    /// Takes an `Idempotency-Key` header: a retry with the same key and body gets the first
    /// response back (with `Idempotency-Replayed: true`) and writes nothing.
    async fn update_order_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order to move.")] id: ID,
        #[graphql(desc = "The status to move it to.")] status: OrderStatus,
    ) -> async_graphql::Result<Order> {
        let id = parse_id("id", Kind::Order, &id)?;
        change_status(ctx, id, status.into()).await
    }

    /// Same as `updateOrderStatus(id, status: CANCELLED)`: the customer or an admin.
    ///
    /// Takes an `Idempotency-Key` header: a retry with the same key and body gets the first
    /// response back (with `Idempotency-Replayed: true`) and writes nothing.
    async fn cancel_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order to cancel.")] id: ID,
    ) -> async_graphql::Result<Order> {
        let id = parse_id("id", Kind::Order, &id)?;
        change_status(ctx, id, service::OrderStatus::Cancelled).await
    }

    /// Deletes a pending or cancelled order and its items (others → CONFLICT); a pending
    /// order's stock and points are given back first. Returns the deleted id. Admins only.
    async fn delete_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order to delete.")] id: ID,
    ) -> async_graphql::Result<ID> {
        // Read here, refused (if malformed) only once the caller may delete orders.
        let id = parse_id("id", Kind::Order, &id);
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(global_id(
            Kind::Order,
            orders::delete(db, &viewer(ctx), id).await.gql()?.id,
        ))
    }
}
