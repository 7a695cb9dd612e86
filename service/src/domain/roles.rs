//! Roles and who holds them.

use crate::domain::access::{self, Input, Refused, Viewer};
use crate::{Error, Result, domain::users, store::db};
use entity::{role, user, user_role};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};
use std::collections::HashMap;

/// The role of shop staff who may do everything.
pub const ADMIN: &str = "admin";
/// The role every shopper holds.
pub const CUSTOMER: &str = "customer";

/// The roles of each of `user_ids`, sorted by name, in one statement.
#[tracing::instrument(skip(db, user_ids), fields(keys = user_ids.len()))]
pub async fn by_users(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    user_ids: &[i32],
) -> Result<HashMap<i32, Vec<role::Model>>> {
    viewer.require_private_of(user_ids)?;
    let rows = user_role::Entity::find()
        .filter(user_role::Column::UserId.is_in(user_ids.iter().copied()))
        .find_also_related(role::Entity)
        .order_by_asc(role::Column::Name)
        .all(db)
        .await?;
    let mut grouped: HashMap<i32, Vec<role::Model>> = HashMap::new();
    for (link, role) in rows {
        if let Some(role) = role {
            grouped.entry(link.user_id).or_default().push(role);
        }
    }
    Ok(grouped)
}

/// The role called `name`, created if missing.
pub async fn ensure(db: &impl ConnectionTrait, name: &str) -> Result<role::Model> {
    if let Some(found) = role::Entity::find()
        .filter(role::Column::Name.eq(name))
        .one(db)
        .await?
    {
        return Ok(found);
    }
    role::ActiveModel {
        name: Set(name.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| Error::on_unique(e, &["name"]))
}

/// Gives `user_id` the role `role_id`; giving it twice changes nothing.
pub async fn grant(db: &impl ConnectionTrait, user_id: i32, role_id: i32) -> Result<()> {
    let held = user_role::Entity::find_by_id((user_id, role_id))
        .one(db)
        .await?;
    if held.is_none() {
        user_role::ActiveModel {
            user_id: Set(user_id),
            role_id: Set(role_id),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Whether a role is given or taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleChange {
    /// Gives the role (giving it again changes nothing).
    Grant,
    /// Takes the role; an admin cannot take their own admin role.
    Revoke,
}

/// Gives user `user_id` the role called `name`, or takes it, in one transaction. Admins
/// only; `user_id` is read after that.
pub async fn change_named<I: Input<i32>>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    user_id: I,
    name: &str,
    change: RoleChange,
) -> std::result::Result<user::Model, Refused<I::Error>> {
    viewer.require_admin()?;
    let user_id = access::read(user_id)?;
    Ok(match change {
        RoleChange::Grant => grant_to(db, user_id, name).await?,
        RoleChange::Revoke => revoke_from(db, viewer, user_id, name).await?,
    })
}

async fn grant_to(db: &DatabaseConnection, user_id: i32, name: &str) -> Result<user::Model> {
    let txn = db::begin_write(db).await?;
    let user = users::existing(&txn, user_id).await?;
    let role = ensure(&txn, name).await?;
    grant(&txn, user_id, role.id).await?;
    txn.commit().await?;
    Ok(user)
}

async fn revoke_from(
    db: &DatabaseConnection,
    viewer: &Viewer,
    user_id: i32,
    name: &str,
) -> Result<user::Model> {
    if name == ADMIN && viewer.user_id == Some(user_id) {
        return Err(Error::invalid(
            "role",
            "an admin cannot revoke their own admin role",
        ));
    }
    let txn = db::begin_write(db).await?;
    let user = users::existing(&txn, user_id).await?;
    if let Some(role) = role::Entity::find()
        .filter(role::Column::Name.eq(name))
        .one(&txn)
        .await?
    {
        user_role::Entity::delete_by_id((user_id, role.id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(user)
}
