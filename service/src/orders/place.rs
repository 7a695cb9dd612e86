//! Placing an order: one transaction that prices lines from the catalog, takes stock without
//! ever overselling, writes the order and its items, and credits the loyalty points it earns.

use crate::access::Viewer;
use crate::events::{EventBus, OrderEvent};
use crate::points::{self, Entry};
use crate::{Error, Result, clock, db, loyalty, products, users};
use entity::{OrderStatus, PointKind, UserStatus, order, order_item, product};
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter,
};
use std::collections::{BTreeMap, HashMap};

/// Largest quantity of one product in one order.
pub const MAX_QUANTITY: i32 = 1000;

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
/// conditional update so no unit is ever sold twice, the points it earns are credited, and
/// any failure leaves no trace. The `Created` event is published after the commit.
#[tracing::instrument(skip(db, events, input), fields(customer_id = input.customer_id))]
pub async fn create(
    db: &DatabaseConnection,
    events: &EventBus,
    viewer: &Viewer,
    input: NewOrder,
) -> Result<(order::Model, Vec<order_item::Model>)> {
    viewer.require_self_or_admin(input.customer_id)?;
    let lines = merge_lines(&input.items)?;
    let placed = db::with_retries(|| place(db, events, input.customer_id, &lines)).await?;
    events.publish(OrderEvent::Created {
        order: placed.0.clone(),
    });
    Ok(placed)
}

async fn place(
    db: &DatabaseConnection,
    events: &EventBus,
    customer_id: i32,
    lines: &BTreeMap<i32, i32>,
) -> Result<(order::Model, Vec<order_item::Model>)> {
    let txn = db::begin_write(db).await?;
    let customer = users::get(&txn, customer_id)
        .await?
        .ok_or_else(|| Error::not_found("user", customer_id))?;
    if customer.status != UserStatus::Active {
        return Err(Error::invalid(
            "customerId",
            "an inactive account cannot place orders",
        ));
    }
    // Every product in one statement; lines are still checked and stocked in product-id
    // order, so errors come out as they would line by line.
    let ids: Vec<i32> = lines.keys().copied().collect();
    let catalog: HashMap<i32, product::Model> = products::by_ids(&txn, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut priced = Vec::with_capacity(lines.len());
    let mut total: i64 = 0;
    for (&product_id, &quantity) in lines {
        let product = catalog
            .get(&product_id)
            .ok_or_else(|| Error::not_found("product", product_id))?;
        total += product.price_cents * i64::from(quantity);
        // The catalog's price now, never the client's.
        priced.push((product_id, quantity, product.price_cents));
    }
    take_stock(&txn, lines).await?;
    let earned = loyalty::points_for_order(total, customer.tier);
    let now = clock::now();
    let order = order::ActiveModel {
        customer_id: Set(customer_id),
        status: Set(OrderStatus::Pending),
        total_cents: Set(total),
        points_earned: Set(earned),
        points_unreversed: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let rows =
        priced.iter().map(
            |&(product_id, quantity, unit_price_cents)| order_item::ActiveModel {
                order_id: Set(order.id),
                product_id: Set(product_id),
                quantity: Set(quantity),
                unit_price_cents: Set(unit_price_cents),
                ..Default::default()
            },
        );
    let mut items = order_item::Entity::insert_many(rows)
        .exec_with_returning(&txn)
        .await?;
    // In the order they were written (RETURNING promises no order).
    items.sort_by_key(|item| item.id);
    if earned > 0 {
        let entry = Entry {
            kind: PointKind::Earn,
            order_id: Some(order.id),
            counterparty_id: None,
        };
        points::earn(&txn, customer_id, earned, entry).await?;
    }
    events.notify_in(&txn, order.id, None).await?;
    txn.commit().await?;
    Ok((order, items))
}

/// Takes every line's units with one conditional UPDATE: each row's stock check and decrement
/// are atomic, so two concurrent orders can never sell the same unit. When a product is short,
/// the first one in product-id order is reported (as taking the lines one by one would) and the
/// caller's transaction rolls back what the statement took from the others.
async fn take_stock(db: &impl ConnectionTrait, lines: &BTreeMap<i32, i32>) -> Result<()> {
    let wanted = || -> Expr {
        lines
            .iter()
            .fold(CaseStatement::new(), |case, (&id, &quantity)| {
                case.case(product::Column::Id.eq(id), quantity)
            })
            .finally(0)
            .into()
    };
    let taken = product::Entity::update_many()
        .col_expr(
            product::Column::Stock,
            Expr::col(product::Column::Stock).sub(wanted()),
        )
        .col_expr(product::Column::UpdatedAt, Expr::value(clock::now()))
        .filter(product::Column::Id.is_in(lines.keys().copied()))
        .filter(Expr::col(product::Column::Stock).gte(wanted()))
        .exec_with_returning(db)
        .await?;
    let short = lines
        .iter()
        .find(|(id, _)| !taken.iter().any(|p| p.id == **id));
    let Some((&product_id, &requested)) = short else {
        return Ok(());
    };
    // Not among the rows the statement changed, so this reads the stock it saw.
    let available = product::Entity::find_by_id(product_id)
        .one(db)
        .await?
        .map_or(0, |p| p.stock);
    Err(Error::OutOfStock {
        product_id,
        requested,
        available,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_products_merge_into_one_line() {
        let lines = [
            NewLine {
                product_id: 2,
                quantity: 1,
            },
            NewLine {
                product_id: 1,
                quantity: 3,
            },
            NewLine {
                product_id: 2,
                quantity: 4,
            },
        ];
        let merged = merge_lines(&lines).unwrap();
        assert_eq!(merged.into_iter().collect::<Vec<_>>(), vec![(1, 3), (2, 5)]);
    }

    #[test]
    fn quantities_are_bounded() {
        assert!(merge_lines(&[]).is_err());
        assert!(
            merge_lines(&[NewLine {
                product_id: 1,
                quantity: 0
            }])
            .is_err()
        );
        assert!(
            merge_lines(&[NewLine {
                product_id: 1,
                quantity: 1001
            }])
            .is_err()
        );
        let split = [
            NewLine {
                product_id: 1,
                quantity: 600,
            },
            NewLine {
                product_id: 1,
                quantity: 600,
            },
        ];
        assert!(merge_lines(&split).is_err());
    }
}
