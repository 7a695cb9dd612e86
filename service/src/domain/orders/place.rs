//! Writing a group of orders in one transaction: each is priced from the catalog, takes stock
//! without ever overselling, is written with its items and credits the loyalty points it
//! earns, with one statement per table for the whole group. Every order is checked as if it
//! were placed alone, after the ones before it in the group: one that breaks a rule gets its
//! own error and writes nothing, and the others go through.

use crate::domain::events::{EventBus, OrderEvent};
use crate::domain::idempotency::{self, Attempt, Outcome};
use crate::domain::points::{self, Entry};
use crate::{
    Error, Result,
    domain::{clock, loyalty},
    store::db,
};
use entity::{OrderStatus, PointKind, UserStatus, order, order_item, product, user};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A placed order and its items, in line order.
pub type Placed = (order::Model, Vec<order_item::Model>);

/// An order that passed every rule: its lines priced from the catalog (product, quantity,
/// unit price), its total and the points it earns.
#[derive(Debug, PartialEq)]
struct Accepted {
    customer_id: i32,
    lines: Vec<(i32, i32, i64)>,
    total: i64,
    earned: i64,
}

/// One order of a group: its customer, its lines merged by product, and the client's named
/// attempt at it, recorded with the order when it is written.
pub(super) struct ToPlace<'a> {
    pub customer_id: i32,
    pub lines: &'a BTreeMap<i32, i32>,
    pub attempt: Option<&'a Attempt>,
}

/// Places `orders` in one transaction. `Ok` holds each order's own outcome, in the same order;
/// `Err` means the transaction failed as a whole and nothing was written.
pub(super) async fn group(
    db: &DatabaseConnection,
    events: &EventBus,
    orders: &[ToPlace<'_>],
) -> Result<Vec<Result<Placed>>> {
    let txn = db::begin_write(db).await?;
    let customer_ids: BTreeSet<i32> = orders.iter().map(|o| o.customer_id).collect();
    let customer_ids: Vec<i32> = customer_ids.into_iter().collect();
    let mut customers: HashMap<i32, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(customer_ids))
        .all(&txn)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let product_ids: BTreeSet<i32> = orders
        .iter()
        .flat_map(|o| o.lines.keys().copied())
        .collect();
    let product_ids: Vec<i32> = product_ids.into_iter().collect();
    let catalog: HashMap<i32, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(product_ids))
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut left: HashMap<i32, i32> = catalog.values().map(|p| (p.id, p.stock)).collect();
    let checked: Vec<Result<Accepted>> = orders
        .iter()
        .map(|o| accept(o.customer_id, o.lines, &mut customers, &catalog, &mut left))
        .collect();
    let accepted: Vec<&Accepted> = checked.iter().filter_map(|c| c.as_ref().ok()).collect();
    if accepted.is_empty() {
        // Nothing to write: the transaction rolls back as it is dropped.
        return Ok(checked
            .into_iter()
            .map(|c| c.and_then(|_| Err(lost_order())))
            .collect());
    }

    // The stock every accepted order takes, in one conditional UPDATE. What was read above
    // covers it unless another process took stock since (PostgreSQL); then the statement
    // refuses and the group fails as a whole.
    let mut wanted: BTreeMap<i32, i32> = BTreeMap::new();
    for order in &accepted {
        for &(product_id, quantity, _) in &order.lines {
            *wanted.entry(product_id).or_default() += quantity;
        }
    }
    take_stock(&txn, &wanted).await?;

    let now = clock::now();
    let rows = accepted.iter().map(|a| order::ActiveModel {
        customer_id: sea_orm::Set(a.customer_id),
        status: sea_orm::Set(OrderStatus::Pending),
        total_cents: sea_orm::Set(a.total),
        points_earned: sea_orm::Set(a.earned),
        points_unreversed: sea_orm::Set(0),
        created_at: sea_orm::Set(now),
        updated_at: sea_orm::Set(now),
        ..Default::default()
    });
    let mut written = order::Entity::insert_many(rows)
        .exec_with_returning(&txn)
        .await?;
    // RETURNING promises no order, but both databases number the rows of one INSERT in the
    // order they are listed; that is checked here rather than trusted.
    written.sort_by_key(|o| o.id);
    let in_step = written.len() == accepted.len()
        && written
            .iter()
            .zip(&accepted)
            .all(|(o, a)| o.customer_id == a.customer_id && o.total_cents == a.total);
    if !in_step {
        return Err(Error::Invariant {
            what: "the new orders came back in an unexpected order",
        });
    }

    let rows = accepted.iter().zip(&written).flat_map(|(a, o)| {
        a.lines.iter().map(
            |&(product_id, quantity, unit_price_cents)| order_item::ActiveModel {
                order_id: sea_orm::Set(o.id),
                product_id: sea_orm::Set(product_id),
                quantity: sea_orm::Set(quantity),
                unit_price_cents: sea_orm::Set(unit_price_cents),
                ..Default::default()
            },
        )
    });
    let mut items = order_item::Entity::insert_many(rows)
        .exec_with_returning(&txn)
        .await?;
    // In the order they were written.
    items.sort_by_key(|item| item.id);
    let mut items_of: HashMap<i32, Vec<order_item::Model>> = HashMap::new();
    for item in items {
        items_of.entry(item.order_id).or_default().push(item);
    }

    let earned: Vec<(i32, i64, Entry)> = accepted
        .iter()
        .zip(&written)
        .filter(|(a, _)| a.earned > 0)
        .map(|(a, o)| {
            let entry = Entry {
                kind: PointKind::Earn,
                order_id: Some(o.id),
                counterparty_id: None,
            };
            (a.customer_id, a.earned, entry)
        })
        .collect();
    points::earn_many(&txn, &earned).await?;
    // Each accepted order's attempt, in the order the orders were written.
    let attempts: Vec<Option<&Attempt>> = orders
        .iter()
        .zip(&checked)
        .filter(|(_, c)| c.is_ok())
        .map(|(o, _)| o.attempt)
        .collect();
    let keyed: Vec<(&Attempt, Outcome)> = attempts
        .iter()
        .zip(&written)
        .filter_map(|(attempt, o)| attempt.map(|a| (a, Outcome(vec![o.id]))))
        .collect();
    idempotency::record(&txn, &keyed).await?;
    let ids: Vec<i32> = written.iter().map(|o| o.id).collect();
    events.notify_in(&txn, &ids, None).await?;
    txn.commit().await?;
    for (attempt, _) in &keyed {
        attempt.mark_committed();
    }

    let mut placed = written.into_iter().map(|order| {
        let items = items_of.remove(&order.id).unwrap_or_default();
        events.publish(OrderEvent::Created {
            order: order.clone(),
        });
        (order, items)
    });
    Ok(checked
        .into_iter()
        .map(|c| c.and_then(|_| placed.next().ok_or_else(lost_order)))
        .collect())
}

fn lost_order() -> Error {
    Error::Invariant {
        what: "an accepted order was not written",
    }
}

/// Checks one order against the customers, catalog and stock as the orders before it in the
/// group left them, and takes what it needs from `left` and (through the points it earns)
/// moves its customer's lifetime points and tier.
fn accept(
    customer_id: i32,
    lines: &BTreeMap<i32, i32>,
    customers: &mut HashMap<i32, user::Model>,
    catalog: &HashMap<i32, product::Model>,
    left: &mut HashMap<i32, i32>,
) -> Result<Accepted> {
    let customer = customers
        .get_mut(&customer_id)
        .ok_or_else(|| Error::not_found("user", customer_id))?;
    if customer.status != UserStatus::Active {
        return Err(Error::invalid(
            "customerId",
            "an inactive account cannot place orders",
        ));
    }
    let mut priced = Vec::with_capacity(lines.len());
    let mut total: i64 = 0;
    for (&product_id, &quantity) in lines {
        let product = catalog
            .get(&product_id)
            .ok_or_else(|| Error::not_found("product", product_id))?;
        // Bounded by the catalog's prices and the line limits; checked all the same.
        total = product
            .price_cents
            .checked_mul(i64::from(quantity))
            .and_then(|line| total.checked_add(line))
            .filter(|t| *t <= crate::domain::validate::MAX_AMOUNT)
            .ok_or_else(|| Error::invalid("items", "the order's total is too large"))?;
        // The catalog's price now, never the client's.
        priced.push((product_id, quantity, product.price_cents));
    }
    // The first short product in id order, as taking the lines one by one would find it.
    let stock = |id: &i32| left.get(id).copied().unwrap_or(0);
    if let Some((&product_id, &requested)) = lines.iter().find(|(id, q)| stock(id) < **q) {
        return Err(Error::OutOfStock {
            product_id,
            requested,
            available: stock(&product_id),
        });
    }
    for (product_id, quantity) in lines {
        if let Some(stock) = left.get_mut(product_id) {
            *stock -= quantity;
        }
    }
    let earned = loyalty::points_for_order(total, customer.tier);
    if earned > 0 {
        // What `points::earn_many` will write, so the customer's next order in the group
        // earns at the tier this one reaches.
        customer.lifetime_points = customer.lifetime_points.saturating_add(earned);
        customer.tier = loyalty::tier_for(customer.lifetime_points);
    }
    Ok(Accepted {
        customer_id,
        lines: priced,
        total,
        earned,
    })
}

/// Takes every product's units with one conditional UPDATE: each row's stock check and
/// decrement are atomic, so two concurrent writers can never sell the same unit. When a
/// product is short, the first one in product-id order is reported and the caller's
/// transaction rolls back what the statement took from the others.
async fn take_stock(db: &impl ConnectionTrait, wanted: &BTreeMap<i32, i32>) -> Result<()> {
    let per_product = || db::case_by_id(product::Column::Id, wanted, 0);
    let taken = product::Entity::update_many()
        .col_expr(
            product::Column::Stock,
            Expr::col(product::Column::Stock).sub(per_product()),
        )
        .col_expr(product::Column::UpdatedAt, Expr::value(clock::now()))
        .filter(product::Column::Id.is_in(wanted.keys().copied()))
        .filter(Expr::col(product::Column::Stock).gte(per_product()))
        .exec_with_returning(db)
        .await?;
    let short = wanted
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
    use entity::Tier;

    fn customer(id: i32, tier: Tier, lifetime_points: i64) -> user::Model {
        let now = clock::now();
        user::Model {
            id,
            email: format!("u{id}@example.com"),
            name: format!("User {id}"),
            status: UserStatus::Active,
            card_number: String::new(),
            points_balance: lifetime_points,
            tier,
            lifetime_points,
            password_hash: None,
            created_at: now,
            updated_at: now,
        }
    }

    fn product(id: i32, price_cents: i64, stock: i32) -> product::Model {
        let now = clock::now();
        product::Model {
            id,
            sku: format!("SKU-{id}"),
            slug: format!("p-{id}"),
            name: format!("Product {id}"),
            category: "test".into(),
            price_cents,
            stock,
            created_at: now,
            updated_at: now,
        }
    }

    struct Shop {
        customers: HashMap<i32, user::Model>,
        catalog: HashMap<i32, product::Model>,
        left: HashMap<i32, i32>,
    }

    impl Shop {
        fn new(customers: Vec<user::Model>, products: Vec<product::Model>) -> Self {
            let left = products.iter().map(|p| (p.id, p.stock)).collect();
            Self {
                customers: customers.into_iter().map(|c| (c.id, c)).collect(),
                catalog: products.into_iter().map(|p| (p.id, p)).collect(),
                left,
            }
        }

        fn order(&mut self, customer: i32, lines: &[(i32, i32)]) -> Result<Accepted> {
            let lines: BTreeMap<i32, i32> = lines.iter().copied().collect();
            accept(
                customer,
                &lines,
                &mut self.customers,
                &self.catalog,
                &mut self.left,
            )
        }
    }

    #[test]
    fn later_orders_see_the_stock_earlier_ones_took() {
        let mut shop = Shop::new(vec![customer(1, Tier::Bronze, 0)], vec![product(7, 250, 3)]);
        let first = shop.order(1, &[(7, 2)]).unwrap();
        assert_eq!(first.lines, vec![(7, 2, 250)]);
        assert_eq!(first.total, 500);
        match shop.order(1, &[(7, 2)]) {
            Err(Error::OutOfStock {
                product_id: 7,
                requested: 2,
                available: 1,
            }) => {}
            other => panic!("expected OUT_OF_STOCK with 1 left, got {other:?}"),
        }
        // The refused order took nothing: the last unit is still there.
        assert!(shop.order(1, &[(7, 1)]).is_ok());
        assert_eq!(shop.left[&7], 0);
    }

    #[test]
    fn a_short_line_takes_nothing_from_the_others() {
        let mut shop = Shop::new(
            vec![customer(1, Tier::Bronze, 0)],
            vec![product(1, 100, 5), product(2, 100, 0), product(3, 100, 5)],
        );
        let refused = shop.order(1, &[(1, 1), (2, 1), (3, 1)]);
        assert!(matches!(
            refused,
            Err(Error::OutOfStock { product_id: 2, .. })
        ));
        assert_eq!((shop.left[&1], shop.left[&3]), (5, 5));
    }

    #[test]
    fn a_customers_next_order_earns_at_the_tier_the_last_one_reached() {
        // 999 lifetime points: one more and Silver (x1.25) begins.
        let mut shop = Shop::new(
            vec![customer(1, Tier::Bronze, 999)],
            vec![product(1, 10_000, 10)],
        );
        let first = shop.order(1, &[(1, 1)]).unwrap();
        assert_eq!(first.earned, 100);
        assert_eq!(shop.customers[&1].tier, Tier::Silver);
        let second = shop.order(1, &[(1, 1)]).unwrap();
        assert_eq!(second.earned, 125);
    }

    #[test]
    fn unknown_and_inactive_customers_and_unknown_products_are_refused() {
        let mut inactive = customer(2, Tier::Bronze, 0);
        inactive.status = UserStatus::Inactive;
        let mut shop = Shop::new(
            vec![customer(1, Tier::Bronze, 0), inactive],
            vec![product(1, 100, 5)],
        );
        assert!(matches!(
            shop.order(9, &[(1, 1)]),
            Err(Error::NotFound { entity: "user", .. })
        ));
        assert!(matches!(
            shop.order(2, &[(1, 1)]),
            Err(Error::Invalid { .. })
        ));
        assert!(matches!(
            shop.order(1, &[(1, 1), (4, 1)]),
            Err(Error::NotFound {
                entity: "product",
                ..
            })
        ));
        assert_eq!(shop.left[&1], 5);
    }
}
