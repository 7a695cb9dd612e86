//! Users: reading, listing, and the create/update/delete rules.

use crate::domain::access::{self, Input, Refused, Viewer};
use crate::store::filter::{Cmp, TextCmp, column_filter};
use crate::store::pagination::{self, Page, PageArgs, Sort, sort_keys};
use crate::store::projection::{self, Columns, UserColumn, UserRow};
use crate::{
    Error, Result,
    domain::{clock, validate},
    store::db,
};
use entity::{Tier, UserStatus, order, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter,
};

/// Longest display name.
pub const NAME_MAX: usize = 100;

column_filter! {
    /// What lists of users can be filtered on.
    pub struct UserFilter of user, condition condition {
        id: Cmp<i32> = Id,
        email: TextCmp = Email,
        name: TextCmp = Name,
        status: Cmp<UserStatus> = Status,
        tier: Cmp<Tier> = Tier,
        created_at: Cmp<chrono::DateTime<chrono::Utc>> = CreatedAt,
    }
}

sort_keys! {
    /// Indexed columns users can be sorted by.
    pub enum UserSort of user {
        Id(id),
        Email(email),
        Name(name),
        CreatedAt(created_at),
    }
}

/// One user by id.
#[tracing::instrument(skip(db))]
pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

/// User `id`, who must exist: `NOT_FOUND` otherwise.
pub async fn existing(db: &impl ConnectionTrait, id: i32) -> Result<user::Model> {
    get(db, id)
        .await?
        .ok_or_else(|| Error::not_found("user", id))
}

/// Users with any of `ids`, in no particular order, read with only `columns` (for
/// DataLoaders: see `projection`).
#[tracing::instrument(skip(db, ids), fields(keys = ids.len()))]
pub async fn rows_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
    columns: Columns<UserColumn>,
) -> Result<Vec<UserRow>> {
    Ok(projection::rows_by_ids(db, ids, columns).await?)
}

/// Whether `viewer` may read user `user_id`'s private fields (email, status, card number,
/// balances, spending, roles, orders and ledger): the user themself and admins.
/// UNAUTHENTICATED for anonymous callers, FORBIDDEN for others.
pub fn private_fields(viewer: &Viewer, user_id: i32) -> Result<()> {
    viewer.require_self_or_admin(user_id)
}

/// One page of users. Admins only; `filter` and `sort` are read after that.
#[tracing::instrument(skip(db, filter, sort))]
pub async fn list<E>(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: std::result::Result<&UserFilter, E>,
    sort: std::result::Result<Sort<UserSort>, E>,
    page: &PageArgs,
) -> std::result::Result<Page<user::Model>, Refused<E>> {
    viewer.require_admin()?;
    let (filter, sort) = (access::read(filter)?, access::read(sort)?);
    let select = user::Entity::find().filter(filter.condition());
    Ok(pagination::fetch_page(db, select, sort, page).await?)
}

/// How many users match `filter`. Admins only.
#[tracing::instrument(skip(db))]
pub async fn count(db: &impl ConnectionTrait, viewer: &Viewer, filter: &UserFilter) -> Result<u64> {
    viewer.require_admin()?;
    Ok(user::Entity::find()
        .filter(filter.condition())
        .count(db)
        .await?)
}

/// Input for a new user.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub status: Option<UserStatus>,
}

/// Creates a user with the next loyalty card number (`LC-000042` for id 42). Admins only.
#[tracing::instrument(skip(db, input))]
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewUser,
) -> Result<user::Model> {
    viewer.require_admin()?;
    let email = validate::email(&input.email)?;
    let name = validate::text("name", &input.name, NAME_MAX)?;
    let txn = db::begin_write(db).await?;
    let user = insert(
        &txn,
        email,
        name,
        input.status.unwrap_or(UserStatus::Active),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Inserts a user with the next loyalty card number, inside the caller's transaction.
/// `email` and `name` must already be validated.
pub(crate) async fn insert(
    txn: &impl ConnectionTrait,
    email: String,
    name: String,
    status: UserStatus,
    password_hash: Option<String>,
) -> Result<user::Model> {
    let now = clock::now();
    // The card number derives from the id, which only exists after the insert: insert with a
    // unique placeholder, then set the real number in the same transaction.
    // (At most 32 characters, like the column.)
    let placeholder = format!("tmp-{}", &uuid::Uuid::new_v4().simple().to_string()[..24]);
    let inserted = user::ActiveModel {
        email: Set(email),
        name: Set(name),
        status: Set(status),
        card_number: Set(placeholder),
        password_hash: Set(password_hash),
        points_balance: Set(0),
        tier: Set(Tier::Bronze),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| Error::on_unique(e, &["email"]))?;
    let mut active: user::ActiveModel = inserted.into();
    let id = *active.id.as_ref();
    active.card_number = Set(card_number(id));
    active
        .update(txn)
        .await
        .map_err(|e| Error::on_unique(e, &["card_number"]))
}

/// The loyalty card number of user `id`.
pub fn card_number(id: i32) -> String {
    format!("LC-{id:06}")
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserPatch {
    pub email: Option<String>,
    pub name: Option<String>,
    pub status: Option<UserStatus>,
}

/// Updates a user.
#[tracing::instrument(skip(db, patch))]
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i32,
    patch: UserPatch,
) -> Result<user::Model> {
    viewer.require_self_or_admin(id)?;
    if patch.status.is_some() {
        // Users may edit their profile, not (de)activate accounts.
        viewer.require_admin()?;
    }
    let email = patch.email.as_deref().map(validate::email).transpose()?;
    let name = patch
        .name
        .as_deref()
        .map(|n| validate::text("name", n, NAME_MAX))
        .transpose()?;
    let txn = db::begin_write(db).await?;
    let current = existing(&txn, id).await?;
    let mut active: user::ActiveModel = current.into();
    if let Some(email) = email {
        active.email = Set(email);
    }
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(status) = patch.status {
        active.status = Set(status);
    }
    active.updated_at = Set(clock::now());
    let user = active
        .update(&txn)
        .await
        .map_err(|e| Error::on_unique(e, &["email"]))?;
    txn.commit().await?;
    Ok(user)
}

/// Deletes a user and, by cascade, their posts, roles and ledger. A user with orders is kept:
/// orders are financial records. Admins only; `id` is read after that.
#[tracing::instrument(skip(db, id))]
pub async fn delete<I: Input<i32>>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: I,
) -> std::result::Result<user::Model, Refused<I::Error>> {
    viewer.require_admin()?;
    Ok(delete_user(db, access::read(id)?).await?)
}

#[tracing::instrument(skip(db))]
async fn delete_user(db: &DatabaseConnection, id: i32) -> Result<user::Model> {
    let txn = db::begin_write(db).await?;
    let current = existing(&txn, id).await?;
    let orders = order::Entity::find()
        .filter(order::Column::CustomerId.eq(id))
        .count(&txn)
        .await?;
    if orders > 0 {
        return Err(Error::conflict(
            "id",
            format!("user {id} has {orders} order(s) and cannot be deleted"),
        ));
    }
    user::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(current)
}

/// Finds a user by email (normalised as on write).
pub async fn by_email(db: &impl ConnectionTrait, email: &str) -> Result<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?)
}
