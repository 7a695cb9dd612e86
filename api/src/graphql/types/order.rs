//! `Order` and `OrderItem`.

use super::SafeInt;
use super::enums::OrderStatus;
use super::{Product, User};
use crate::graphql::args::{Kind, global_id, write_global_id};
use crate::graphql::columns;
use crate::graphql::connection::Conn;
use crate::graphql::engine::direct::{Direct, WrittenFields, write_list, write_object};
use crate::graphql::error::GqlResult;
use crate::graphql::loaders::{ById, Loaders, Scoped};
use async_graphql::dataloader::Loader;
use async_graphql::futures_util::future::try_join;
use async_graphql::parser::types::Field;
use async_graphql::{Context, ID, Lookahead, Object};
use chrono::{DateTime, Utc};
use service::rows::{ProductRow, UserRow};
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

/// A customer's order, with what a list of orders fetched for all of them at once (see
/// [`Order::prefetch`]); an order on its own looks those up when asked.
pub struct Order(pub service::order::Model, AtHand);

/// An order's customer and items, when they are already at hand.
#[derive(Default)]
struct AtHand {
    customer: Option<Arc<UserRow>>,
    items: Option<Vec<OrderItem>>,
}

impl From<service::order::Model> for Order {
    fn from(model: service::order::Model) -> Self {
        Self(model, AtHand::default())
    }
}

impl Order {
    /// An order just written, with the lines it was written with: a payload read right after
    /// the commit needs no statement of its own (one that could fail with the write done).
    pub fn placed(model: service::order::Model, items: Vec<service::order_item::Model>) -> Self {
        let items = items.into_iter().map(OrderItem::from).collect();
        Self(
            model,
            AtHand {
                customer: None,
                items: Some(items),
            },
        )
    }

    /// Fetches, for every order of `list` (a connection field) at once, the customers and
    /// items, with their products, that the selection under it asks for, so that each order's
    /// `customer`, `items` and `items.product` need neither a look-ahead nor a loader call of
    /// their own (a page of 50 orders with 3 items each made 200 of each). `from` says where
    /// (see [`Lookups`]).
    pub async fn prefetch(
        ctx: &Context<'_>,
        list: &Lookahead<'_>,
        conn: &mut Conn<Order>,
        from: Lookups,
    ) -> async_graphql::Result<()> {
        if conn.0.edges.is_empty() {
            return Ok(());
        }
        let Some(node) = columns::nodes(list) else {
            return Ok(());
        };
        let (customer, items) = (node.field("customer"), node.field("items"));
        let product = items.field("product");
        let customer = customer.exists().then(|| User::columns(&customer));
        let with_items = items.exists() || node.field("itemCount").exists();
        let product = product.exists().then(|| Product::columns(&product));
        if customer.is_none() && !with_items {
            return Ok(());
        }

        let loaders = ctx.data::<Loaders>()?;
        let orders = || conn.0.edges.iter().map(|edge| &edge.node.0.0);
        let customers = async {
            match customer {
                Some(columns) => {
                    let keys = orders().map(|o| ById {
                        id: o.customer_id,
                        columns,
                    });
                    load(&loaders.user_by_id, keys, from).await.map(Some)
                }
                None => Ok(None),
            }
        };
        let items = async {
            if with_items {
                let keys = orders().map(|o| o.id);
                load(&loaders.items_by_order, keys, from).await.map(Some)
            } else {
                Ok(None)
            }
        };
        let (customers, mut items) = try_join(customers, items).await.gql()?;
        let products = match (product, &items) {
            (Some(columns), Some(items)) => {
                let keys = items.values().flatten().map(|item| ById {
                    id: item.product_id,
                    columns,
                });
                Some((
                    load(&loaders.product_by_id, keys, from).await.gql()?,
                    columns,
                ))
            }
            _ => None,
        };

        for edge in &mut conn.0.edges {
            let order = &mut edge.node.0;
            if let (Some(customers), Some(columns)) = (&customers, customer) {
                let key = ById {
                    id: order.0.customer_id,
                    columns,
                };
                order.1.customer = customers.get(&key).cloned();
            }
            if let Some(items) = &mut items {
                let lines = items.remove(&order.0.id).unwrap_or_default();
                order.1.items = Some(
                    lines
                        .into_iter()
                        .map(|line| {
                            let product = products.as_ref().and_then(|(products, columns)| {
                                let key = ById {
                                    id: line.product_id,
                                    columns: *columns,
                                };
                                products.get(&key).cloned()
                            });
                            OrderItem(line, product)
                        })
                        .collect(),
                );
            }
        }
        Ok(())
    }

    /// The order's items: those at hand (borrowed, so `itemCount` copies none of them), or
    /// through the loader.
    async fn lines(&self, ctx: &Context<'_>) -> async_graphql::Result<Cow<'_, [OrderItem]>> {
        if let Some(items) = &self.1.items {
            return Ok(Cow::Borrowed(items));
        }
        let loaders = ctx.data::<Loaders>()?;
        let items = loaders
            .items_by_order
            .load_one(self.0.id)
            .await
            .gql()?
            .unwrap_or_default();
        Ok(Cow::Owned(items.into_iter().map(OrderItem::from).collect()))
    }
}

/// Where [`Order::prefetch`] reads a list's customers, items and products.
#[derive(Clone, Copy)]
pub enum Lookups {
    /// Through the request's loaders: for a list under each of many parents (a user's
    /// orders), whose lookups join the other parents' lists' in one batch.
    Loaders,
    /// By each loader's own `load`, at once: for a root list, whose keys are all at hand.
    /// The same statements; through the loaders' batches, hashing every key into their sets,
    /// maps and cache and copying every value out of them cost Q3 0.5 M instructions per
    /// request.
    Service,
}

/// The rows of `keys` from `loader`: through its batch and cache, or by its own `load` at
/// once (see [`Lookups`]).
async fn load<K, L>(
    loader: &Scoped<L>,
    keys: impl Iterator<Item = K>,
    from: Lookups,
) -> Result<HashMap<K, L::Value>, L::Error>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    L: Loader<K>,
{
    match from {
        Lookups::Loaders => loader.load_many(keys).await,
        Lookups::Service => loader.loader().load(&keys.collect::<Vec<_>>()).await,
    }
}

impl WrittenFields for Order {
    fn write_field(&self, field: &Field, out: &mut Vec<u8>) -> bool {
        let row = &self.0;
        match field.name.node.as_str() {
            "id" => write_global_id(out, Kind::Order, row.id),
            "databaseId" => super::write_i32(out, Some(row.id)),
            "totalCents" => super::write_amount(out, Some(row.total_cents)),
            "pointsEarned" => super::write_amount(out, Some(row.points_earned)),
            "pointsUnreversed" => super::write_amount(out, Some(row.points_unreversed)),
            "customerId" => write_global_id(out, Kind::User, row.customer_id),
            // At hand, as `customer` and `items` answer them.
            "customer" => self.1.customer.as_ref().is_some_and(|customer| {
                write_object(
                    &User::from(customer.clone()),
                    &field.selection_set.node,
                    out,
                )
            }),
            "items" => (self.1.items.as_deref())
                .is_some_and(|items| write_list(items, &field.selection_set.node, out)),
            _ => false,
        }
    }
}

/// A customer's order: its lines with prices frozen when it was placed, its total and the
/// loyalty points it earned. Visible to its customer and admins.
#[Object]
impl Order {
    /// The order's global id (see `Node`).
    pub async fn id(&self) -> ID {
        global_id(Kind::Order, self.0.id)
    }

    /// The row's number in its table, for logs and admin tools; use `id` everywhere in the
    /// API.
    async fn database_id(&self) -> i32 {
        self.0.id
    }

    /// Where the order is in its life cycle.
    async fn status(&self) -> OrderStatus {
        self.0.status.into()
    }

    /// Sum of the items' quantity × unit price, in integer cents.
    async fn total_cents(&self) -> async_graphql::Result<SafeInt> {
        SafeInt::of(self.0.total_cents)
    }

    /// Loyalty points the order earned when it was placed.
    async fn points_earned(&self) -> async_graphql::Result<SafeInt> {
        SafeInt::of(self.0.points_earned)
    }

    /// Earned points a cancellation could not take back because they had been spent.
    async fn points_unreversed(&self) -> async_graphql::Result<SafeInt> {
        SafeInt::of(self.0.points_unreversed)
    }

    /// When the order was placed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the order last changed (its status, usually).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The customer's id, without loading the customer.
    async fn customer_id(&self) -> ID {
        global_id(Kind::User, self.0.customer_id)
    }

    /// Who placed the order (their private fields follow `User`'s rules).
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Direct<User>> {
        if let Some(customer) = &self.1.customer {
            return Ok(Direct(User::from(customer.clone())));
        }
        let columns = User::columns(&ctx.look_ahead());
        Ok(Direct(User::by_id(ctx, self.0.customer_id, columns).await?))
    }

    /// The order's lines, in the order they were written.
    async fn items(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Direct<OrderItem>>> {
        let lines = self.lines(ctx).await?.into_owned();
        Ok(lines.into_iter().map(Direct).collect())
    }

    /// Total number of units over all lines.
    async fn item_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let items = self.lines(ctx).await?;
        let units: i64 = items.iter().map(|i| i64::from(i.0.quantity)).sum();
        // At most 100 lines of 1,000 units.
        Ok(i32::try_from(units).unwrap_or(i32::MAX))
    }
}

/// One line of an order; the unit price is frozen at order time. It holds its product when
/// the list it came in fetched it (see [`Order::prefetch`]).
#[derive(Clone)]
pub struct OrderItem(pub service::order_item::Model, Option<Arc<ProductRow>>);

impl From<service::order_item::Model> for OrderItem {
    fn from(model: service::order_item::Model) -> Self {
        Self(model, None)
    }
}

impl WrittenFields for OrderItem {
    fn write_field(&self, field: &Field, out: &mut Vec<u8>) -> bool {
        let row = &self.0;
        match field.name.node.as_str() {
            "id" => write_global_id(out, Kind::OrderItem, row.id),
            "databaseId" => super::write_i32(out, Some(row.id)),
            "quantity" => super::write_i32(out, Some(row.quantity)),
            "unitPriceCents" => super::write_amount(out, Some(row.unit_price_cents)),
            "productId" => write_global_id(out, Kind::Product, row.product_id),
            // At hand, as `product` answers it.
            "product" => self.1.as_ref().is_some_and(|product| {
                write_object(
                    &Product::from(product.clone()),
                    &field.selection_set.node,
                    out,
                )
            }),
            _ => false,
        }
    }
}

/// One line of an order: a product, a quantity and the unit price paid.
#[Object]
impl OrderItem {
    /// The order line's global id (see `Node`).
    pub async fn id(&self) -> ID {
        global_id(Kind::OrderItem, self.0.id)
    }

    /// The row's number in its table, for logs and admin tools; use `id` everywhere in the
    /// API.
    async fn database_id(&self) -> i32 {
        self.0.id
    }

    /// Units of the product, 1 to 1,000.
    async fn quantity(&self) -> i32 {
        self.0.quantity
    }

    /// Price of one unit when the order was placed, in integer cents.
    async fn unit_price_cents(&self) -> async_graphql::Result<SafeInt> {
        SafeInt::of(self.0.unit_price_cents)
    }

    /// quantity × unitPriceCents.
    async fn line_total_cents(&self) -> async_graphql::Result<SafeInt> {
        SafeInt::of(
            self.0
                .unit_price_cents
                .saturating_mul(i64::from(self.0.quantity)),
        )
    }

    /// The product's id, without loading the product.
    async fn product_id(&self) -> ID {
        global_id(Kind::Product, self.0.product_id)
    }

    /// The product ordered, as it is now (its price may have changed since).
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Direct<Product>> {
        if let Some(product) = &self.1 {
            return Ok(Direct(Product::from(product.clone())));
        }
        let columns = Product::columns(&ctx.look_ahead());
        Ok(Direct(
            Product::by_id(ctx, self.0.product_id, columns).await?,
        ))
    }
}
