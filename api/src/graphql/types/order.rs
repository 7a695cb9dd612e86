//! `Order` and `OrderItem`.

use super::enums::OrderStatus;
use super::{Product, User};
use crate::graphql::args::to_id;
use crate::graphql::direct::Direct;
use crate::graphql::error::GqlResult;
use crate::graphql::loaders::Loaders;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};

/// A customer's order.
pub struct Order(pub service::order::Model);

#[Object]
impl Order {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    async fn status(&self) -> OrderStatus {
        self.0.status.into()
    }

    /// Sum of the items' quantity × unit price, in integer cents.
    async fn total_cents(&self) -> i64 {
        self.0.total_cents
    }

    /// Loyalty points the order earned when it was placed.
    async fn points_earned(&self) -> i64 {
        self.0.points_earned
    }

    /// Earned points a cancellation could not take back because they had been spent.
    async fn points_unreversed(&self) -> i64 {
        self.0.points_unreversed
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The customer's id, without loading the customer.
    async fn customer_id(&self) -> ID {
        to_id(self.0.customer_id)
    }

    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Direct<User>> {
        let columns = User::columns(&ctx.look_ahead());
        Ok(Direct(User::by_id(ctx, self.0.customer_id, columns).await?))
    }

    /// The order's lines, in the order they were written.
    async fn items(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Direct<OrderItem>>> {
        let loaders = ctx.data::<Loaders>()?;
        let items = loaders
            .items_by_order
            .load_one(self.0.id)
            .await
            .gql()?
            .unwrap_or_default();
        Ok(items
            .into_iter()
            .map(|item| Direct(OrderItem(item)))
            .collect())
    }

    /// Total number of units over all lines.
    async fn item_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let loaders = ctx.data::<Loaders>()?;
        let items = loaders
            .items_by_order
            .load_one(self.0.id)
            .await
            .gql()?
            .unwrap_or_default();
        Ok(items.iter().map(|i| i64::from(i.quantity)).sum())
    }
}

/// One line of an order; the unit price is frozen at order time.
pub struct OrderItem(pub service::order_item::Model);

#[Object]
impl OrderItem {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    async fn quantity(&self) -> i32 {
        self.0.quantity
    }

    /// Price of one unit when the order was placed, in integer cents.
    async fn unit_price_cents(&self) -> i64 {
        self.0.unit_price_cents
    }

    /// quantity × unitPriceCents.
    async fn line_total_cents(&self) -> i64 {
        self.0.unit_price_cents * i64::from(self.0.quantity)
    }

    /// The product's id, without loading the product.
    async fn product_id(&self) -> ID {
        to_id(self.0.product_id)
    }

    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Direct<Product>> {
        let columns = Product::columns(&ctx.look_ahead());
        Ok(Direct(
            Product::by_id(ctx, self.0.product_id, columns).await?,
        ))
    }
}
