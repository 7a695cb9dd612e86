//! Rows looked up by type and id alone (Relay's `node`/`nodes`), with each type's rule for who
//! may see a row: a row the viewer may not see is left out, as if it did not exist.

use crate::Result;
use crate::access::Viewer;
use entity::{order, order_item, point_transaction, post, product, role, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{HashMap, HashSet};

/// The row types that can be looked up by id alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    User,
    Post,
    Product,
    Order,
    OrderItem,
    PointTransaction,
    Role,
}

/// A row found by [`by_ids`].
#[derive(Clone, Debug)]
pub enum Node {
    User(user::Model),
    Post(post::Model),
    Product(product::Model),
    Order(order::Model),
    OrderItem(order_item::Model),
    PointTransaction(point_transaction::Model),
    Role(role::Model),
}

/// Most keys one lookup may hold (each kind's ids are one `IN` list).
pub const MAX_KEYS: usize = 100;

/// The rows of `keys` the viewer may see, keyed by (kind, id): one statement per kind asked
/// for (and one for the orders behind order items), whatever the number of keys.
#[tracing::instrument(skip(db, viewer, keys), fields(keys = keys.len()))]
pub async fn by_ids(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    keys: &[(Kind, i32)],
) -> Result<HashMap<(Kind, i32), Node>> {
    let mut ids: HashMap<Kind, Vec<i32>> = HashMap::new();
    for (kind, id) in keys {
        let list = ids.entry(*kind).or_default();
        if !list.contains(id) {
            list.push(*id);
        }
    }
    let mut found = HashMap::new();
    for (kind, ids) in ids {
        let ids = ids.into_iter();
        match kind {
            Kind::User => {
                for row in user::Entity::find()
                    .filter(user::Column::Id.is_in(ids))
                    .all(db)
                    .await?
                {
                    found.insert((kind, row.id), Node::User(row));
                }
            }
            Kind::Post => {
                for row in post::Entity::find()
                    .filter(post::Column::Id.is_in(ids))
                    .all(db)
                    .await?
                {
                    if viewer.can_read_post(&row) {
                        found.insert((kind, row.id), Node::Post(row));
                    }
                }
            }
            Kind::Product => {
                for row in product::Entity::find()
                    .filter(product::Column::Id.is_in(ids))
                    .all(db)
                    .await?
                {
                    found.insert((kind, row.id), Node::Product(row));
                }
            }
            Kind::Order => {
                for row in order::Entity::find()
                    .filter(order::Column::Id.is_in(ids))
                    .all(db)
                    .await?
                {
                    if viewer.can_read_order(&row) {
                        found.insert((kind, row.id), Node::Order(row));
                    }
                }
            }
            Kind::OrderItem => {
                let items = order_item::Entity::find()
                    .filter(order_item::Column::Id.is_in(ids))
                    .all(db)
                    .await?;
                if items.is_empty() {
                    continue;
                }
                // An item is as private as its order.
                let order_ids: HashSet<i32> = items.iter().map(|i| i.order_id).collect();
                let readable: HashSet<i32> = order::Entity::find()
                    .filter(order::Column::Id.is_in(order_ids))
                    .all(db)
                    .await?
                    .into_iter()
                    .filter(|o| viewer.can_read_order(o))
                    .map(|o| o.id)
                    .collect();
                for row in items {
                    if readable.contains(&row.order_id) {
                        found.insert((kind, row.id), Node::OrderItem(row));
                    }
                }
            }
            Kind::PointTransaction => {
                for row in point_transaction::Entity::find()
                    .filter(point_transaction::Column::Id.is_in(ids))
                    .all(db)
                    .await?
                {
                    // A ledger entry is its owner's (and admins').
                    if viewer.is_self_or_admin(row.user_id) {
                        found.insert((kind, row.id), Node::PointTransaction(row));
                    }
                }
            }
            Kind::Role => {
                for row in role::Entity::find()
                    .filter(role::Column::Id.is_in(ids))
                    .all(db)
                    .await?
                {
                    found.insert((kind, row.id), Node::Role(row));
                }
            }
        }
    }
    Ok(found)
}
