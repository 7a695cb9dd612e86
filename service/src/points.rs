//! The loyalty ledger: reading a user's point transactions (also for many users at once).

use crate::filter::Cmp;
use crate::pagination::{self, Page, PageArgs, Sort, SortKey, SortValue};
use crate::Result;
use chrono::{DateTime, Utc};
use entity::{PointKind, point_transaction};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// What lists of point transactions can be filtered on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PointFilter {
    pub kind: Cmp<PointKind>,
    pub created_at: Cmp<DateTime<Utc>>,
}

impl PointFilter {
    fn condition(&self) -> Condition {
        Condition::all()
            .add(self.kind.condition(point_transaction::Column::Kind))
            .add(self.created_at.condition(point_transaction::Column::CreatedAt))
    }
}

/// Point transactions are listed by time (the index is `(user_id, created_at)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PointSort {
    CreatedAt,
}

impl SortKey for PointSort {
    type Entity = point_transaction::Entity;

    fn name(self) -> &'static str {
        "created_at"
    }

    fn column(self) -> point_transaction::Column {
        point_transaction::Column::CreatedAt
    }

    fn id_column() -> point_transaction::Column {
        point_transaction::Column::Id
    }

    fn is_id(self) -> bool {
        false
    }

    fn value(self, m: &point_transaction::Model) -> SortValue {
        SortValue::Time(Some(m.created_at))
    }

    fn id(m: &point_transaction::Model) -> i32 {
        m.id
    }
}

/// Newest first: how a statement of account reads.
pub const NEWEST_FIRST: Sort<PointSort> = Sort { key: PointSort::CreatedAt, desc: true };

/// The same page of ledger rows for each of `user_ids`, in one statement.
#[tracing::instrument(skip(db, user_ids), fields(keys = user_ids.len()))]
pub async fn pages_by_users(
    db: &impl ConnectionTrait,
    user_ids: &[i32],
    filter: &PointFilter,
    sort: Sort<PointSort>,
    page: &PageArgs,
) -> Result<HashMap<i32, Page<point_transaction::Model>>> {
    let select = point_transaction::Entity::find()
        .filter(point_transaction::Column::UserId.is_in(user_ids.iter().copied()))
        .filter(filter.condition());
    pagination::fetch_pages_by_parent(
        db,
        select,
        point_transaction::Column::UserId,
        |t| t.user_id,
        user_ids,
        sort,
        page,
    )
    .await
}

/// How many ledger rows matching `filter` each of `user_ids` has.
#[tracing::instrument(skip(db, user_ids), fields(keys = user_ids.len()))]
pub async fn counts_by_users(
    db: &impl ConnectionTrait,
    user_ids: &[i32],
    filter: &PointFilter,
) -> Result<HashMap<i32, u64>> {
    let select = point_transaction::Entity::find()
        .filter(point_transaction::Column::UserId.is_in(user_ids.iter().copied()))
        .filter(filter.condition());
    pagination::count_by_parent(db, select, point_transaction::Column::UserId).await
}
