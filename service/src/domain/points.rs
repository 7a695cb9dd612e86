//! The loyalty ledger: every change of a balance writes a point transaction in the same
//! transaction, so a balance always equals the sum of its user's ledger rows.

use crate::domain::access::{self, Input, Refused, Viewer};
use crate::domain::idempotency::{self, Attempt};
use crate::store::filter::{Cmp, column_filter};
use crate::store::pagination::{self, ByParent, Page, PageArgs, Sort, sort_keys};
use crate::{
    Error, Result,
    domain::{clock, loyalty, users, validate},
    store::db,
};
use chrono::{DateTime, Utc};
use entity::{PointKind, point_transaction, user};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, UpdateMany,
};
use std::collections::{BTreeMap, HashMap};

column_filter! {
    /// What lists of point transactions can be filtered on.
    pub struct PointFilter of point_transaction, condition condition {
        kind: Cmp<PointKind> = Kind,
        created_at: Cmp<DateTime<Utc>> = CreatedAt,
    }
}

sort_keys! {
    /// Indexed columns point transactions can be sorted by (the index is `(user_id, created_at)`).
    pub enum PointSort of point_transaction {
        Id(id),
        CreatedAt(created_at),
    }
}

/// Newest first: how a statement of account reads.
pub const NEWEST_FIRST: Sort<PointSort> = Sort::by(PointSort::CreatedAt, true);

/// The same page of ledger rows for each of `user_ids`, in one statement.
#[tracing::instrument(skip(db, user_ids), fields(keys = user_ids.len()))]
pub async fn pages_by_users(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    user_ids: &[i32],
    filter: &PointFilter,
    (sort, page): (Sort<PointSort>, &PageArgs),
) -> Result<HashMap<i32, Page<point_transaction::Model>>> {
    viewer.require_private_of(user_ids)?;
    let select = point_transaction::Entity::find();
    let decode = pagination::whole_row::<PointSort>;
    BY_USER
        .pages(
            db,
            select,
            (user_ids, filter.condition()),
            (sort, page),
            decode,
        )
        .await
}

/// How many ledger rows matching `filter` each of `user_ids` has.
#[tracing::instrument(skip(db, user_ids), fields(keys = user_ids.len()))]
pub async fn counts_by_users(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    user_ids: &[i32],
    filter: &PointFilter,
) -> Result<HashMap<i32, u64>> {
    viewer.require_private_of(user_ids)?;
    BY_USER.counts(db, user_ids, filter.condition()).await
}

/// A user's ledger.
const BY_USER: ByParent<point_transaction::Entity, point_transaction::Model> = ByParent {
    column: point_transaction::Column::UserId,
    parent_table: "users",
    of: |t| t.user_id,
};

/// Why a ledger row is written, and what it points at.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    pub kind: PointKind,
    pub order_id: Option<i32>,
    pub counterparty_id: Option<i32>,
}

impl Entry {
    pub fn plain(kind: PointKind) -> Self {
        Self {
            kind,
            order_id: None,
            counterparty_id: None,
        }
    }
}

/// Adds `points` (> 0) to a balance and records it. Unknown user → NOT_FOUND.
pub(crate) async fn credit(
    db: &impl ConnectionTrait,
    user_id: i32,
    points: i64,
    entry: Entry,
) -> Result<()> {
    let now = clock::now();
    let updated = balance_change(user_id, points, now)
        .filter(Expr::col(user::Column::PointsBalance).lte(validate::MAX_AMOUNT - points))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        users::existing(db, user_id).await?;
        return Err(past_max("points"));
    }
    record(db, user_id, points, entry, now).await
}

/// A credit that would take a balance past what any amount may be.
fn past_max(field: &str) -> Error {
    Error::invalid(
        field,
        format!("the balance would pass {}", validate::MAX_AMOUNT),
    )
}

/// `UPDATE users SET points_balance = points_balance + delta, updated_at = now WHERE id = …`:
/// every balance change is one relative UPDATE, never a read-modify-write.
fn balance_change(user_id: i32, delta: i64, now: DateTime<Utc>) -> UpdateMany<user::Entity> {
    user::Entity::update_many()
        .col_expr(
            user::Column::PointsBalance,
            Expr::col(user::Column::PointsBalance).add(delta),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
}

/// Takes `points` (> 0) from a balance and records it, only if the balance covers them: the
/// check and the write are one conditional UPDATE, so two concurrent debits can never take
/// the same points. Not enough → INSUFFICIENT_POINTS with what is available.
pub(crate) async fn debit(
    db: &impl ConnectionTrait,
    user_id: i32,
    points: i64,
    entry: Entry,
) -> Result<()> {
    let now = clock::now();
    let updated = balance_change(user_id, -points, now)
        .filter(user::Column::PointsBalance.gte(points))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        let user = users::existing(db, user_id).await?;
        return Err(Error::InsufficientPoints {
            available: user.points_balance,
            requested: points,
        });
    }
    record(db, user_id, -points, entry, now).await
}

async fn record(
    db: &impl ConnectionTrait,
    user_id: i32,
    points: i64,
    entry: Entry,
    now: DateTime<Utc>,
) -> Result<()> {
    ledger_row(user_id, points, entry, now).insert(db).await?;
    Ok(())
}

/// The ledger row that records a change of `points` (signed) in a balance.
fn ledger_row(
    user_id: i32,
    points: i64,
    entry: Entry,
    now: DateTime<Utc>,
) -> point_transaction::ActiveModel {
    point_transaction::ActiveModel {
        user_id: Set(user_id),
        kind: Set(entry.kind),
        points: Set(points),
        order_id: Set(entry.order_id),
        counterparty_id: Set(entry.counterparty_id),
        created_at: Set(now),
        ..Default::default()
    }
}

/// Credits what orders earned (each > 0, a user may appear more than once): every balance and
/// lifetime total in one UPDATE that returns the rows, so a tier is written only where it
/// changes, then one ledger row per order in one INSERT. Unknown user → NOT_FOUND.
pub(crate) async fn earn_many(
    db: &impl ConnectionTrait,
    earned: &[(i32, i64, Entry)],
) -> Result<()> {
    if earned.is_empty() {
        return Ok(());
    }
    let now = clock::now();
    let mut per_user: BTreeMap<i32, i64> = BTreeMap::new();
    for &(user_id, points, _) in earned {
        *per_user.entry(user_id).or_default() += points;
    }
    let delta = || db::case_by_id(user::Column::Id, &per_user, 0);
    let biggest = per_user.values().copied().max().unwrap_or(0);
    let updated = user::Entity::update_many()
        .col_expr(
            user::Column::PointsBalance,
            Expr::col(user::Column::PointsBalance).add(delta()),
        )
        .col_expr(
            user::Column::LifetimePoints,
            Expr::col(user::Column::LifetimePoints).add(delta()),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.is_in(per_user.keys().copied()))
        // No balance or lifetime total passes what any amount may be (the group fails). Held
        // against the group's largest credit, a constant, rather than each row's own (two more
        // copies of the CASE above, evaluated per row): at most that much short of 2^53 − 1 is
        // refused too.
        .filter(Expr::col(user::Column::PointsBalance).lte(validate::MAX_AMOUNT - biggest))
        .filter(Expr::col(user::Column::LifetimePoints).lte(validate::MAX_AMOUNT - biggest))
        .exec_with_returning(db)
        .await?;
    if let Some(missing) = per_user
        .keys()
        .find(|id| !updated.iter().any(|u| u.id == **id))
    {
        users::existing(db, *missing).await?;
        return Err(past_max("items"));
    }
    for user in updated {
        let tier = loyalty::tier_for(user.lifetime_points);
        if tier != user.tier {
            user::ActiveModel {
                id: Set(user.id),
                tier: Set(tier),
                ..Default::default()
            }
            .update(db)
            .await?;
        }
    }
    let rows = earned
        .iter()
        .map(|&(user_id, points, entry)| ledger_row(user_id, points, entry, now));
    point_transaction::Entity::insert_many(rows)
        .exec(db)
        .await?;
    Ok(())
}

/// Moves a user's lifetime points by `delta` (never below zero) and sets the tier they reach.
pub(crate) async fn move_lifetime(
    db: &impl ConnectionTrait,
    user_id: i32,
    delta: i64,
) -> Result<()> {
    let user = users::existing(db, user_id).await?;
    let lifetime = std::cmp::max(user.lifetime_points + delta, 0);
    let mut active: user::ActiveModel = user.into();
    active.lifetime_points = Set(lifetime);
    active.tier = Set(loyalty::tier_for(lifetime));
    active.updated_at = Set(clock::now());
    active.update(db).await?;
    Ok(())
}

/// Most points one transfer, redemption or correction may move.
pub const MAX_POINTS: i64 = 1_000_000_000;

fn positive(points: i64) -> Result<()> {
    validate::within("points", points, 1, MAX_POINTS).map(drop)
}

/// Moves points between two users in one transaction: both balances and a
/// `transfer_out`/`transfer_in` pair, or nothing at all. The points are `from`'s (the
/// caller's when omitted; only admins move someone else's); `to` is read after that rule.
#[tracing::instrument(skip(db, to, attempt))]
pub async fn transfer<I: Input<i32>>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    from: Option<i32>,
    to: I,
    points: i64,
    attempt: Option<&Attempt>,
) -> std::result::Result<(user::Model, user::Model), Refused<I::Error>> {
    let from = viewer.acting_for(from)?;
    let to = access::read(to)?;
    Ok(transfer_between(db, from, to, points, attempt).await?)
}

async fn transfer_between(
    db: &DatabaseConnection,
    from: i32,
    to: i32,
    points: i64,
    attempt: Option<&Attempt>,
) -> Result<(user::Model, user::Model)> {
    positive(points)?;
    if from == to {
        return Err(Error::invalid(
            "toUserId",
            "cannot transfer points to the same user",
        ));
    }
    db::with_retries(|| async {
        let txn = db::begin_write(db).await?;
        for id in [from, to] {
            users::existing(&txn, id).await?;
        }
        let out = Entry {
            kind: PointKind::TransferOut,
            order_id: None,
            counterparty_id: Some(to),
        };
        let inn = Entry {
            kind: PointKind::TransferIn,
            order_id: None,
            counterparty_id: Some(from),
        };
        // Rows are locked in id order, so two opposite transfers cannot deadlock.
        if from < to {
            debit(&txn, from, points, out).await?;
            credit(&txn, to, points, inn).await?;
        } else {
            credit(&txn, to, points, inn).await?;
            debit(&txn, from, points, out).await?;
        }
        let sender = users::existing(&txn, from).await?;
        let receiver = users::existing(&txn, to).await?;
        idempotency::commit(txn, attempt, &[from, to]).await?;
        Ok((sender, receiver))
    })
    .await
}

/// Spends points: one `redeem` row, or nothing. The points are `user_id`'s (the caller's
/// when omitted; only admins spend someone else's).
#[tracing::instrument(skip(db, attempt))]
pub async fn redeem(
    db: &DatabaseConnection,
    viewer: &Viewer,
    user_id: Option<i32>,
    points: i64,
    attempt: Option<&Attempt>,
) -> Result<user::Model> {
    let user_id = viewer.acting_for(user_id)?;
    positive(points)?;
    db::with_retries(|| async {
        let txn = db::begin_write(db).await?;
        debit(&txn, user_id, points, Entry::plain(PointKind::Redeem)).await?;
        let user = users::existing(&txn, user_id).await?;
        idempotency::commit(txn, attempt, &[user_id]).await?;
        Ok(user)
    })
    .await
}

/// A manual correction by staff: positive adds, negative takes (never below zero). It does
/// not count towards the tier, which only earned points do. Admins only; `user_id` is read
/// after that.
#[tracing::instrument(skip(db, user_id, attempt))]
pub async fn adjust<I: Input<i32>>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    user_id: I,
    points: i64,
    attempt: Option<&Attempt>,
) -> std::result::Result<user::Model, Refused<I::Error>> {
    viewer.require_admin()?;
    Ok(correct(db, access::read(user_id)?, points, attempt).await?)
}

#[tracing::instrument(skip(db, attempt))]
async fn correct(
    db: &DatabaseConnection,
    user_id: i32,
    points: i64,
    attempt: Option<&Attempt>,
) -> Result<user::Model> {
    if points == 0 {
        return Err(Error::invalid("points", "must not be 0"));
    }
    validate::within("points", points, -MAX_POINTS, MAX_POINTS)?;
    db::with_retries(|| async {
        let txn = db::begin_write(db).await?;
        if points > 0 {
            credit(&txn, user_id, points, Entry::plain(PointKind::Adjust)).await?;
        } else {
            debit(&txn, user_id, -points, Entry::plain(PointKind::Adjust)).await?;
        }
        let user = users::existing(&txn, user_id).await?;
        idempotency::commit(txn, attempt, &[user_id]).await?;
        Ok(user)
    })
    .await
}

/// A user whose balance differs from the sum of their ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerMismatch {
    pub user_id: i32,
    pub balance: i64,
    pub ledger_sum: i64,
}

/// Checks every user's balance against their ledger in one statement; empty means consistent.
#[tracing::instrument(skip(db))]
pub async fn verify_ledger(db: &impl ConnectionTrait) -> Result<Vec<LedgerMismatch>> {
    use point_transaction::Column as T;
    use user::Column as U;
    let users = user::Entity;
    let ledger = point_transaction::Entity;
    let sum = || Func::coalesce([Expr::col((ledger, T::Points)).sum(), Expr::val(0i64)]);
    let query = Query::select()
        .column((users, U::Id))
        .column((users, U::PointsBalance))
        .expr_as(
            Expr::expr(sum()).cast_as(Alias::new("BIGINT")),
            Alias::new("ledger_sum"),
        )
        .from(users)
        .left_join(
            ledger,
            Expr::col((ledger, T::UserId)).equals((users, U::Id)),
        )
        .group_by_col((users, U::Id))
        .group_by_col((users, U::PointsBalance))
        .and_having(Expr::col((users, U::PointsBalance)).ne(Expr::expr(sum())))
        .to_owned();
    let rows = db.query_all(&query).await?;
    rows.iter()
        .map(|row| {
            Ok(LedgerMismatch {
                user_id: row.try_get("", "id")?,
                balance: row.try_get("", "points_balance")?,
                ledger_sum: row.try_get("", "ledger_sum")?,
            })
        })
        .collect()
}
