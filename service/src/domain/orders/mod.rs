//! Orders and their items: reading and listing (also per customer, many at once). Orders come
//! in at the `checkout` and are written by `place`; their life cycle is in `status`; `watch`
//! follows them as they change.

mod checkout;
mod place;
mod status;
mod watch;

pub use checkout::{Checkout, MAX_LINES, MAX_QUANTITY, NewLine, NewOrder, merge_lines};
pub use place::Placed;
pub use status::{can_become, change_status, delete};
pub use watch::{OrderFeed, created, status_changes};

use crate::domain::access::{self, Refused, Viewer};
use crate::store::filter::{Cmp, column_filter};
use crate::store::pagination::{self, ByParent, Page, PageArgs, Sort, sort_keys};
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use entity::{OrderStatus, order, order_item};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

column_filter! {
    /// What lists of orders can be filtered on.
    pub struct OrderFilter of order, condition condition {
        id: Cmp<i32> = Id,
        customer_id: Cmp<i32> = CustomerId,
        status: Cmp<OrderStatus> = Status,
        total_cents: Cmp<i64> = TotalCents,
        created_at: Cmp<DateTime<Utc>> = CreatedAt,
    }
}

sort_keys! {
    /// Indexed columns orders can be sorted by.
    pub enum OrderSort of order {
        Id(id),
        CreatedAt(created_at),
        TotalCents(total_cents),
    }
}

/// One order by id.
#[tracing::instrument(skip(db))]
pub(crate) async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<order::Model>> {
    Ok(order::Entity::find_by_id(id).one(db).await?)
}

/// Order `id` if `viewer` may see it (their own; admins see all). Sign in first.
#[tracing::instrument(skip(db))]
pub async fn find(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: i32,
) -> Result<Option<order::Model>> {
    viewer.require_signed_in()?;
    Ok(get(db, id).await?.filter(|o| viewer.can_read_order(o)))
}

/// Order `id` with its items, as placing it answered, if `viewer` may see it.
#[tracing::instrument(skip(db))]
pub async fn find_placed(db: &impl ConnectionTrait, viewer: &Viewer, id: i32) -> Result<Placed> {
    let order = find(db, viewer, id)
        .await?
        .ok_or_else(|| Error::not_found("order", id))?;
    let items = items_by_orders(db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok((order, items))
}

/// Whether `viewer` may see `order`, for orders read in batches without a caller at hand
/// (a DataLoader's).
pub fn readable(viewer: &Viewer, order: &order::Model) -> bool {
    viewer.can_read_order(order)
}

/// Orders with any of `ids` (for DataLoaders).
#[tracing::instrument(skip(db, ids), fields(keys = ids.len()))]
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<order::Model>> {
    Ok(order::Entity::find()
        .filter(order::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// One page of the orders `viewer` may see: their own, or everyone's for admins, whatever
/// the filter says. Sign in first; `filter` and `sort` are read after that.
#[tracing::instrument(skip(db, filter, sort))]
pub async fn list<E>(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: std::result::Result<&OrderFilter, E>,
    sort: std::result::Result<Sort<OrderSort>, E>,
    page: &PageArgs,
) -> std::result::Result<Page<order::Model>, Refused<E>> {
    let scope = viewer.order_scope()?;
    let (filter, sort) = (access::read(filter)?, access::read(sort)?);
    let select = order::Entity::find()
        .filter(scope)
        .filter(filter.condition());
    Ok(pagination::fetch_page(db, select, sort, page).await?)
}

/// How many of the orders `viewer` may see match `filter`.
#[tracing::instrument(skip(db))]
pub async fn count(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &OrderFilter,
) -> Result<u64> {
    Ok(order::Entity::find()
        .filter(viewer.order_scope()?)
        .filter(filter.condition())
        .count(db)
        .await?)
}

/// The same page of orders for each of `customer_ids`, in one statement.
#[tracing::instrument(skip(db, customer_ids), fields(keys = customer_ids.len()))]
pub async fn pages_by_customers(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    customer_ids: &[i32],
    filter: &OrderFilter,
    (sort, page): (Sort<OrderSort>, &PageArgs),
) -> Result<HashMap<i32, Page<order::Model>>> {
    viewer.require_private_of(customer_ids)?;
    let children = (customer_ids, filter.condition());
    let decode = pagination::whole_row::<OrderSort>;
    BY_CUSTOMER
        .pages(db, order::Entity::find(), children, (sort, page), decode)
        .await
}

/// How many orders matching `filter` each of `customer_ids` has, in one statement.
#[tracing::instrument(skip(db, customer_ids), fields(keys = customer_ids.len()))]
pub async fn counts_by_customers(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    customer_ids: &[i32],
    filter: &OrderFilter,
) -> Result<HashMap<i32, u64>> {
    viewer.require_private_of(customer_ids)?;
    BY_CUSTOMER
        .counts(db, customer_ids, filter.condition())
        .await
}

/// A customer's orders.
const BY_CUSTOMER: ByParent<order::Entity, order::Model> = ByParent {
    column: order::Column::CustomerId,
    parent_table: "users",
    of: |o| o.customer_id,
};

/// Every item of each of `order_ids`, in line order, in one statement.
#[tracing::instrument(skip(db, order_ids), fields(keys = order_ids.len()))]
pub async fn items_by_orders(
    db: &impl ConnectionTrait,
    order_ids: &[i32],
) -> Result<HashMap<i32, Vec<order_item::Model>>> {
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.is_in(order_ids.iter().copied()))
        .order_by_asc(order_item::Column::Id)
        .all(db)
        .await?;
    let mut grouped: HashMap<i32, Vec<order_item::Model>> = HashMap::new();
    for item in items {
        grouped.entry(item.order_id).or_default().push(item);
    }
    Ok(grouped)
}

/// How many orders a customer has (any status).
pub async fn count_for_customer(db: &impl ConnectionTrait, customer_id: i32) -> Result<u64> {
    Ok(order::Entity::find()
        .filter(order::Column::CustomerId.eq(customer_id))
        .count(db)
        .await?)
}

/// What each of `customer_ids` has spent, in cents: the totals of their orders that were not
/// cancelled, in one statement.
#[tracing::instrument(skip(db, customer_ids), fields(keys = customer_ids.len()))]
pub async fn spent_by_customers(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    customer_ids: &[i32],
) -> Result<HashMap<i32, i64>> {
    viewer.require_private_of(customer_ids)?;
    let rows: Vec<(i32, i64)> = order::Entity::find()
        .select_only()
        .column(order::Column::CustomerId)
        .column_as(
            Expr::col(order::Column::TotalCents)
                .sum()
                .cast_as(sea_orm::sea_query::Alias::new("BIGINT")),
            "spent",
        )
        .filter(order::Column::CustomerId.is_in(customer_ids.iter().copied()))
        .filter(order::Column::Status.ne(OrderStatus::Cancelled))
        .group_by(order::Column::CustomerId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
