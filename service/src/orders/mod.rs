//! Orders and their items: reading and listing (also per customer, many at once). Orders come
//! in at the `checkout` and are written by `place`; their life cycle is in `status`.

mod checkout;
mod place;
mod status;

pub use checkout::{Checkout, MAX_LINES, MAX_QUANTITY, NewLine, NewOrder, merge_lines};
pub use place::Placed;
pub use status::{can_become, change_status, delete};

use crate::Result;
use crate::filter::{Cmp, Logic};
use crate::pagination::{self, Page, PageArgs, Sort, SortKey, SortValue};
use chrono::{DateTime, Utc};
use entity::{OrderStatus, order, order_item};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;

/// What lists of orders can be filtered on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OrderFilter {
    pub id: Cmp<i32>,
    pub customer_id: Cmp<i32>,
    pub status: Cmp<OrderStatus>,
    pub total_cents: Cmp<i64>,
    pub created_at: Cmp<DateTime<Utc>>,
    /// Only this customer's orders, whatever else the filter says (what a customer may see).
    pub scope_customer: Option<i32>,
    /// Nested filters: `and`, `or`, `not`.
    pub logic: Logic<OrderFilter>,
}

impl OrderFilter {
    fn condition(&self) -> Condition {
        let scope = match self.scope_customer {
            Some(customer) => Condition::all().add(order::Column::CustomerId.eq(customer)),
            None => Condition::all(),
        };
        self.logic.condition(
            Condition::all()
                .add(scope)
                .add(self.id.condition(order::Column::Id))
                .add(self.customer_id.condition(order::Column::CustomerId))
                .add(self.status.condition(order::Column::Status))
                .add(self.total_cents.condition(order::Column::TotalCents))
                .add(self.created_at.condition(order::Column::CreatedAt)),
            Self::condition,
        )
    }
}

/// Indexed columns orders can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderSort {
    Id,
    CreatedAt,
    TotalCents,
}

impl SortKey for OrderSort {
    type Entity = order::Entity;

    fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::CreatedAt => "created_at",
            Self::TotalCents => "total_cents",
        }
    }

    fn column(self) -> order::Column {
        match self {
            Self::Id => order::Column::Id,
            Self::CreatedAt => order::Column::CreatedAt,
            Self::TotalCents => order::Column::TotalCents,
        }
    }

    fn id_column() -> order::Column {
        order::Column::Id
    }

    fn is_id(self) -> bool {
        self == Self::Id
    }

    fn value(self, m: &order::Model) -> SortValue {
        match self {
            Self::Id => SortValue::Int(m.id.into()),
            Self::CreatedAt => SortValue::Time(Some(m.created_at)),
            Self::TotalCents => SortValue::Int(m.total_cents),
        }
    }

    fn id(m: &order::Model) -> i32 {
        m.id
    }
}

/// One order by id.
#[tracing::instrument(skip(db))]
pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<order::Model>> {
    Ok(order::Entity::find_by_id(id).one(db).await?)
}

/// Orders with any of `ids` (for DataLoaders).
#[tracing::instrument(skip(db, ids), fields(keys = ids.len()))]
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<order::Model>> {
    Ok(order::Entity::find()
        .filter(order::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// One page of orders.
#[tracing::instrument(skip(db))]
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &OrderFilter,
    sort: Sort<OrderSort>,
    page: &PageArgs,
) -> Result<Page<order::Model>> {
    let select = order::Entity::find().filter(filter.condition());
    pagination::fetch_page(db, select, sort, page).await
}

/// How many orders match `filter`.
#[tracing::instrument(skip(db))]
pub async fn count(db: &impl ConnectionTrait, filter: &OrderFilter) -> Result<u64> {
    Ok(order::Entity::find()
        .filter(filter.condition())
        .count(db)
        .await?)
}

/// The same page of orders for each of `customer_ids`, in one statement.
#[tracing::instrument(skip(db, customer_ids), fields(keys = customer_ids.len()))]
pub async fn pages_by_customers(
    db: &impl ConnectionTrait,
    customer_ids: &[i32],
    filter: &OrderFilter,
    sort: Sort<OrderSort>,
    page: &PageArgs,
) -> Result<HashMap<i32, Page<order::Model>>> {
    let select = order::Entity::find()
        .filter(order::Column::CustomerId.is_in(customer_ids.iter().copied()))
        .filter(filter.condition());
    pagination::fetch_pages_by_parent(
        db,
        select,
        order::Column::CustomerId,
        |o| o.customer_id,
        customer_ids,
        sort,
        page,
        pagination::whole_row::<OrderSort>,
    )
    .await
}

/// How many orders matching `filter` each of `customer_ids` has, in one statement.
#[tracing::instrument(skip(db, customer_ids), fields(keys = customer_ids.len()))]
pub async fn counts_by_customers(
    db: &impl ConnectionTrait,
    customer_ids: &[i32],
    filter: &OrderFilter,
) -> Result<HashMap<i32, u64>> {
    let select = order::Entity::find()
        .filter(order::Column::CustomerId.is_in(customer_ids.iter().copied()))
        .filter(filter.condition());
    pagination::count_by_parent(db, select, order::Column::CustomerId).await
}

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
    customer_ids: &[i32],
) -> Result<HashMap<i32, i64>> {
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
