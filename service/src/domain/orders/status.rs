//! An order's life cycle: PENDING → PAID → SHIPPED → DELIVERED, and PENDING or PAID →
//! CANCELLED. Cancelling gives the stock back and takes back the points the order earned.

use crate::domain::access::{self, Input, Refused, Viewer};
use crate::domain::events::{EventBus, OrderEvent};
use crate::domain::idempotency::{self, Attempt};
use crate::domain::points::{self, Entry};
use crate::{
    Error, Result,
    domain::{clock, users},
    store::db,
};
use entity::{OrderStatus, PointKind, order, order_item, product};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter,
};

/// Whether an order may go from `from` to `to`.
pub fn can_become(from: OrderStatus, to: OrderStatus) -> bool {
    use OrderStatus::*;
    matches!(
        (from, to),
        (Pending, Paid) | (Paid, Shipped) | (Shipped, Delivered) | (Pending | Paid, Cancelled)
    )
}

fn name(status: OrderStatus) -> String {
    format!("{status:?}").to_uppercase()
}

/// Moves an order to `to` in one transaction; the `StatusChanged` event follows the commit.
#[tracing::instrument(skip(db, events, attempt))]
pub async fn change_status(
    db: &DatabaseConnection,
    events: &EventBus,
    viewer: &Viewer,
    order_id: i32,
    to: OrderStatus,
    attempt: Option<&Attempt>,
) -> Result<order::Model> {
    viewer.require_caller()?;
    let (order, from) = db::with_retries(|| async {
        let txn = db::begin_write(db).await?;
        let current = crate::domain::orders::get(&txn, order_id)
            .await?
            .filter(|o| viewer.can_read_order(o))
            .ok_or_else(|| Error::not_found("order", order_id))?;
        // Customers may cancel their own orders; every other move is staff work.
        if to == OrderStatus::Cancelled {
            viewer.require_self_or_admin(current.customer_id)?;
        } else {
            viewer.require_admin()?;
        }
        let from = current.status;
        if !can_become(from, to) {
            return Err(Error::InvalidTransition {
                from: name(from),
                to: name(to),
            });
        }
        let unreversed = if to == OrderStatus::Cancelled {
            release(&txn, &current).await?
        } else {
            0
        };
        let mut active: order::ActiveModel = current.into();
        active.status = Set(to);
        active.points_unreversed = Set(unreversed);
        active.updated_at = Set(clock::now());
        let order = active.update(&txn).await?;
        events.notify_in(&txn, &[order.id], Some(from)).await?;
        idempotency::commit(txn, attempt, &[order.id]).await?;
        Ok((order, from))
    })
    .await?;
    events.publish(OrderEvent::StatusChanged {
        order: order.clone(),
        from,
    });
    Ok(order)
}

/// Deletes a pending or cancelled order with its items. A pending order first gives back its
/// stock and points, as a cancellation would. The ledger keeps its rows (their order link
/// becomes NULL): points history is not rewritten. Admins only; `order_id` is read after
/// that.
#[tracing::instrument(skip(db, order_id))]
pub async fn delete<I: Input<i32>>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    order_id: I,
) -> std::result::Result<order::Model, Refused<I::Error>> {
    viewer.require_admin()?;
    Ok(delete_order(db, access::read(order_id)?).await?)
}

#[tracing::instrument(skip(db))]
async fn delete_order(db: &DatabaseConnection, order_id: i32) -> Result<order::Model> {
    db::with_retries(|| async {
        let txn = db::begin_write(db).await?;
        let current = crate::domain::orders::get(&txn, order_id)
            .await?
            .ok_or_else(|| Error::not_found("order", order_id))?;
        match current.status {
            OrderStatus::Pending => {
                release(&txn, &current).await?;
            }
            OrderStatus::Cancelled => {}
            other => {
                return Err(Error::conflict(
                    "status",
                    format!(
                        "only pending or cancelled orders can be deleted; this one is {}",
                        name(other)
                    ),
                ));
            }
        }
        order::Entity::delete_by_id(order_id).exec(&txn).await?;
        txn.commit().await?;
        Ok(current)
    })
    .await
}

/// Gives an order's stock back and takes back the points it earned, as far as the balance
/// allows (it never goes below zero). Returns the points that could not be taken back.
async fn release(db: &impl ConnectionTrait, order: &order::Model) -> Result<i64> {
    let now = clock::now();
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(order.id))
        .all(db)
        .await?;
    for item in &items {
        product::Entity::update_many()
            .col_expr(
                product::Column::Stock,
                Expr::col(product::Column::Stock).add(item.quantity),
            )
            .col_expr(product::Column::UpdatedAt, Expr::value(now))
            .filter(product::Column::Id.eq(item.product_id))
            .exec(db)
            .await?;
    }
    if order.points_earned == 0 {
        return Ok(0);
    }
    let customer = users::existing(db, order.customer_id).await?;
    let reversible = std::cmp::min(order.points_earned, customer.points_balance);
    if reversible > 0 {
        let entry = Entry {
            kind: PointKind::Adjust,
            order_id: Some(order.id),
            counterparty_id: None,
        };
        points::debit(db, order.customer_id, reversible, entry).await?;
    }
    points::move_lifetime(db, order.customer_id, -order.points_earned).await?;
    let unreversed = order.points_earned - reversible;
    if unreversed > 0 {
        tracing::warn!(
            order_id = order.id,
            unreversed,
            "cancelled order's points were already spent"
        );
    }
    Ok(unreversed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    #[test]
    fn the_status_machine() {
        let all = [Pending, Paid, Shipped, Delivered, Cancelled];
        let allowed = [
            (Pending, Paid),
            (Paid, Shipped),
            (Shipped, Delivered),
            (Pending, Cancelled),
            (Paid, Cancelled),
        ];
        for from in all {
            for to in all {
                assert_eq!(
                    can_become(from, to),
                    allowed.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
        }
    }
}
