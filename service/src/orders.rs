//! Orders and their items: reading, listing (also per customer, many at once) and placing.

use crate::filter::Cmp;
use crate::pagination::{self, Page, PageArgs, Sort, SortKey, SortValue};
use crate::{Error, Result, clock, db, users};
use chrono::{DateTime, Utc};
use entity::{OrderStatus, order, order_item, product};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use std::collections::{BTreeMap, HashMap};

/// Largest quantity of one product in one order.
pub const MAX_QUANTITY: i32 = 1000;

/// What lists of orders can be filtered on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OrderFilter {
    pub id: Cmp<i32>,
    pub customer_id: Cmp<i32>,
    pub status: Cmp<OrderStatus>,
    pub total_cents: Cmp<i64>,
    pub created_at: Cmp<DateTime<Utc>>,
}

impl OrderFilter {
    fn condition(&self) -> Condition {
        Condition::all()
            .add(self.id.condition(order::Column::Id))
            .add(self.customer_id.condition(order::Column::CustomerId))
            .add(self.status.condition(order::Column::Status))
            .add(self.total_cents.condition(order::Column::TotalCents))
            .add(self.created_at.condition(order::Column::CreatedAt))
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
    Ok(order::Entity::find().filter(filter.condition()).count(db).await?)
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

/// One requested line of a new order.
#[derive(Clone, Copy, Debug)]
pub struct NewLine {
    pub product_id: i32,
    pub quantity: i32,
}

/// Input for a new order.
#[derive(Clone, Debug)]
pub struct NewOrder {
    pub customer_id: i32,
    pub items: Vec<NewLine>,
}

/// Checks quantities and merges repeated products into one line, ordered by product id (taking
/// stock in one global order keeps two concurrent orders from deadlocking).
pub fn merge_lines(lines: &[NewLine]) -> Result<BTreeMap<i32, i32>> {
    if lines.is_empty() {
        return Err(Error::invalid("items", "an order needs at least one item"));
    }
    let mut merged: BTreeMap<i32, i32> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            return Err(Error::invalid(
                format!("items[{i}].quantity"),
                format!("must be between 1 and {MAX_QUANTITY}"),
            ));
        }
        let total = merged.entry(line.product_id).or_default();
        *total += line.quantity;
        if *total > MAX_QUANTITY {
            return Err(Error::invalid(
                format!("items[{i}].quantity"),
                format!("at most {MAX_QUANTITY} of one product per order"),
            ));
        }
    }
    Ok(merged)
}

/// Places an order in one transaction: prices come from the catalog, stock is taken with a
/// conditional update so no unit is ever sold twice, and any failure leaves no trace.
#[tracing::instrument(skip(db, input), fields(customer_id = input.customer_id))]
pub async fn create(db: &DatabaseConnection, input: NewOrder) -> Result<(order::Model, Vec<order_item::Model>)> {
    let lines = merge_lines(&input.items)?;
    let txn = db::begin_write(db).await?;
    if users::get(&txn, input.customer_id).await?.is_none() {
        return Err(Error::not_found("user", input.customer_id));
    }
    let now = clock::now();
    let mut priced = Vec::with_capacity(lines.len());
    let mut total: i64 = 0;
    for (&product_id, &quantity) in &lines {
        let product = product::Entity::find_by_id(product_id)
            .one(&txn)
            .await?
            .ok_or_else(|| Error::not_found("product", product_id))?;
        let taken = product::Entity::update_many()
            .col_expr(product::Column::Stock, Expr::col(product::Column::Stock).sub(quantity))
            .col_expr(product::Column::UpdatedAt, Expr::value(now))
            .filter(product::Column::Id.eq(product_id))
            .filter(product::Column::Stock.gte(quantity))
            .exec(&txn)
            .await?;
        if taken.rows_affected == 0 {
            let available = product::Entity::find_by_id(product_id)
                .one(&txn)
                .await?
                .map_or(0, |p| p.stock);
            return Err(Error::OutOfStock { product_id, requested: quantity, available });
        }
        total += product.price_cents * i64::from(quantity);
        priced.push((product_id, quantity, product.price_cents));
    }
    let order = order::ActiveModel {
        customer_id: Set(input.customer_id),
        status: Set(OrderStatus::Pending),
        total_cents: Set(total),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut items = Vec::with_capacity(priced.len());
    for (product_id, quantity, unit_price_cents) in priced {
        let item = order_item::ActiveModel {
            order_id: Set(order.id),
            product_id: Set(product_id),
            quantity: Set(quantity),
            unit_price_cents: Set(unit_price_cents),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        items.push(item);
    }
    txn.commit().await?;
    Ok((order, items))
}

/// How many orders a customer has (any status).
pub async fn count_for_customer(db: &impl ConnectionTrait, customer_id: i32) -> Result<u64> {
    Ok(order::Entity::find()
        .filter(order::Column::CustomerId.eq(customer_id))
        .count(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_products_merge_into_one_line() {
        let lines = [
            NewLine { product_id: 2, quantity: 1 },
            NewLine { product_id: 1, quantity: 3 },
            NewLine { product_id: 2, quantity: 4 },
        ];
        let merged = merge_lines(&lines).unwrap();
        assert_eq!(merged.into_iter().collect::<Vec<_>>(), vec![(1, 3), (2, 5)]);
    }

    #[test]
    fn quantities_are_bounded() {
        assert!(merge_lines(&[]).is_err());
        assert!(merge_lines(&[NewLine { product_id: 1, quantity: 0 }]).is_err());
        assert!(merge_lines(&[NewLine { product_id: 1, quantity: 1001 }]).is_err());
        let split = [NewLine { product_id: 1, quantity: 600 }, NewLine { product_id: 1, quantity: 600 }];
        assert!(merge_lines(&split).is_err());
    }
}
