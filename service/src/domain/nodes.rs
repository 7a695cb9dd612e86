//! Rows looked up by type and id alone (Relay's `node`/`nodes`), with each type's rule for who
//! may see a row: a row the viewer may not see is left out, as if it did not exist.

use crate::Result;
use crate::domain::access::Viewer;
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
                for row in rows::<user::Entity>(db, user::Column::Id, ids).await? {
                    found.insert((kind, row.id), Node::User(row));
                }
            }
            Kind::Post => {
                for row in rows::<post::Entity>(db, post::Column::Id, ids).await? {
                    if viewer.can_read_post(&row) {
                        found.insert((kind, row.id), Node::Post(row));
                    }
                }
            }
            Kind::Product => {
                for row in rows::<product::Entity>(db, product::Column::Id, ids).await? {
                    found.insert((kind, row.id), Node::Product(row));
                }
            }
            Kind::Order => {
                for row in rows::<order::Entity>(db, order::Column::Id, ids).await? {
                    if viewer.can_read_order(&row) {
                        found.insert((kind, row.id), Node::Order(row));
                    }
                }
            }
            Kind::OrderItem => {
                let items = rows::<order_item::Entity>(db, order_item::Column::Id, ids).await?;
                if items.is_empty() {
                    continue;
                }
                // An item is as private as its order.
                let order_ids: HashSet<i32> = items.iter().map(|i| i.order_id).collect();
                let readable: HashSet<i32> =
                    rows::<order::Entity>(db, order::Column::Id, order_ids)
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
                for row in rows::<point_transaction::Entity>(db, point_transaction::Column::Id, ids)
                    .await?
                {
                    // A ledger entry is its owner's (and admins').
                    if viewer.is_self_or_admin(row.user_id) {
                        found.insert((kind, row.id), Node::PointTransaction(row));
                    }
                }
            }
            Kind::Role => {
                for row in rows::<role::Entity>(db, role::Column::Id, ids).await? {
                    found.insert((kind, row.id), Node::Role(row));
                }
            }
        }
    }
    Ok(found)
}

/// The rows of entity `E` whose `id` column is one of `ids`.
async fn rows<E: EntityTrait>(
    db: &impl ConnectionTrait,
    id: E::Column,
    ids: impl IntoIterator<Item = i32>,
) -> Result<Vec<E::Model>> {
    Ok(E::find().filter(id.is_in(ids)).all(db).await?)
}
