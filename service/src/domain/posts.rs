//! Posts: reading, listing (also per author, many authors at once), and the write rules.

use crate::domain::access::Viewer;
use crate::store::filter::{Cmp, TextCmp, column_filter};
use crate::store::pagination::{
    self, ByParent, Page, PageArgs, Positioned, Sort, SortValue, sort_keys,
};
use crate::store::projection::{self, Columns, PartialRow, PostColumn, PostRow};
use crate::{
    Error, Result,
    domain::{clock, users, validate},
    store::db,
};
use chrono::{DateTime, Utc};
use entity::{PostStatus, post};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryResult,
};
use std::collections::HashMap;

/// Longest title.
pub const TITLE_MAX: usize = 200;
/// Longest body.
pub const CONTENT_MAX: usize = 100_000;

column_filter! {
    /// What lists of posts can be filtered on.
    pub struct PostFilter of post, condition fields {
        id: Cmp<i32> = Id,
        author_id: Cmp<i32> = AuthorId,
        status: Cmp<PostStatus> = Status,
        title: TextCmp = Title,
        published_at: Cmp<DateTime<Utc>> = PublishedAt,
        created_at: Cmp<DateTime<Utc>> = CreatedAt,
    }
}

impl PostFilter {
    /// The filter's condition limited to the posts `viewer` may see: published ones, their
    /// own drafts, every draft for admins.
    fn seen_by(&self, viewer: &Viewer) -> Condition {
        Condition::all()
            .add(viewer.post_scope().condition())
            .add(self.fields())
    }
}

sort_keys! {
    /// Indexed columns posts can be sorted by.
    pub enum PostSort of post {
        Id(id),
        CreatedAt(created_at),
        PublishedAt(published_at),
    }
}

/// One post by id.
#[tracing::instrument(skip(db))]
pub(crate) async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<post::Model>> {
    Ok(post::Entity::find_by_id(id).one(db).await?)
}

/// Post `id` if `viewer` may see it (drafts are their author's and admins').
#[tracing::instrument(skip(db))]
pub async fn find(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: i32,
) -> Result<Option<post::Model>> {
    Ok(get(db, id).await?.filter(|p| viewer.can_read_post(p)))
}

/// One page of the posts `viewer` may see.
#[tracing::instrument(skip(db))]
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &PostFilter,
    sort: Sort<PostSort>,
    page: &PageArgs,
) -> Result<Page<post::Model>> {
    let select = post::Entity::find().filter(filter.seen_by(viewer));
    pagination::fetch_page(db, select, sort, page).await
}

/// How many of the posts `viewer` may see match `filter`.
#[tracing::instrument(skip(db))]
pub async fn count(db: &impl ConnectionTrait, viewer: &Viewer, filter: &PostFilter) -> Result<u64> {
    Ok(post::Entity::find()
        .filter(filter.seen_by(viewer))
        .count(db)
        .await?)
}

/// The same page of posts for each of `author_ids`, in one statement, reading only `columns`
/// beyond the id, author, title and creation time.
///
/// A nested page of posts is read for every parent of a list (550 rows for 50 users), and
/// SQLite's driver copies every column of every row, allocating twice for each text value:
/// reading only what the query asks for took the benchmark's Q2 (50 users, 10 posts each)
/// from 841 to 908 requests/s in an A/B run. Each row comes with its cursor, made from the
/// sort columns as they are read (see [`Positioned`]), since the row keeps only `columns`.
/// Only the posts `viewer` may see are read.
#[tracing::instrument(skip(db, author_ids), fields(keys = author_ids.len()))]
pub async fn pages_by_authors(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    author_ids: &[i32],
    filter: &PostFilter,
    sort: Sort<PostSort>,
    page: &PageArgs,
    columns: Columns<PostColumn>,
) -> Result<HashMap<i32, Page<Positioned<PostRow>>>> {
    // The cursors need the publication time when the list is sorted by it, selected or not.
    let fetched = if sorts_by_publication(sort) {
        columns.with(PostColumn::PublishedAt)
    } else {
        columns
    };
    let children = (author_ids, filter.seen_by(viewer));
    let decode = |row: &_| Ok(decode_row(row, fetched, columns, sort)?);
    BY_AUTHOR
        .pages(
            db,
            projection::select(fetched),
            children,
            (sort, page),
            decode,
        )
        .await
}

/// A post read with `fetched` (`columns`, and the publication time when `sort` orders by
/// it), keeping `columns`, with its cursor in `sort`.
fn decode_row(
    result: &QueryResult,
    fetched: Columns<PostColumn>,
    columns: Columns<PostColumn>,
    sort: Sort<PostSort>,
) -> Result<Positioned<PostRow>, DbErr> {
    let mut row = PostRow::decode(result, fetched)?;
    let published_at = match columns.has(PostColumn::PublishedAt) {
        true => row.published_at,
        // Read for the cursor only.
        false => row.published_at.take(),
    };
    let cursor = sort.cursor_of(
        |key| {
            Ok::<_, DbErr>(match key {
                PostSort::Id => SortValue::Int(row.id.into()),
                PostSort::CreatedAt => SortValue::Time(Some(row.created_at)),
                PostSort::PublishedAt => SortValue::Time(
                    published_at.ok_or_else(|| DbErr::Custom("published_at not read".into()))?,
                ),
            })
        },
        row.id,
    )?;
    Ok(Positioned { cursor, row })
}

/// Whether `sort` orders by publication time (its cursors need the column).
fn sorts_by_publication(sort: Sort<PostSort>) -> bool {
    sort.keys().any(|(key, _)| key == PostSort::PublishedAt)
}

/// How many of the posts `viewer` may see match `filter`, for each of `author_ids`, in one
/// statement.
#[tracing::instrument(skip(db, author_ids), fields(keys = author_ids.len()))]
pub async fn counts_by_authors(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    author_ids: &[i32],
    filter: &PostFilter,
) -> Result<HashMap<i32, u64>> {
    BY_AUTHOR
        .counts(db, author_ids, filter.seen_by(viewer))
        .await
}

/// An author's posts.
const BY_AUTHOR: ByParent<post::Entity, Positioned<PostRow>> = ByParent {
    column: post::Column::AuthorId,
    parent_table: "users",
    of: |p| p.row.author_id,
};

/// Input for a new post.
#[derive(Clone, Debug)]
pub struct NewPost {
    /// The caller when omitted; only admins write for others.
    pub author_id: Option<i32>,
    pub title: String,
    pub content: String,
    /// Publish right away instead of saving a draft.
    pub publish: bool,
}

/// Creates a post (a draft unless `publish`).
#[tracing::instrument(skip(db, input))]
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewPost,
) -> Result<post::Model> {
    let author_id = viewer.acting_for(input.author_id)?;
    let title = validate::text("title", &input.title, TITLE_MAX)?;
    let content = validate::body("content", &input.content, CONTENT_MAX)?;
    let txn = db::begin_write(db).await?;
    users::existing(&txn, author_id).await?;
    let now = clock::now();
    let (status, published_at) = if input.publish {
        (PostStatus::Published, Some(now))
    } else {
        (PostStatus::Draft, None)
    };
    let post = post::ActiveModel {
        author_id: Set(author_id),
        title: Set(title),
        content: Set(content),
        status: Set(status),
        published_at: Set(published_at),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(post)
}

/// Changes to a post; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct PostPatch {
    pub title: Option<String>,
    pub content: Option<String>,
}

/// Updates a post's title or content.
#[tracing::instrument(skip(db, patch))]
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i32,
    patch: PostPatch,
) -> Result<post::Model> {
    let title = patch
        .title
        .as_deref()
        .map(|t| validate::text("title", t, TITLE_MAX))
        .transpose()?;
    let content = patch
        .content
        .as_deref()
        .map(|c| validate::body("content", c, CONTENT_MAX))
        .transpose()?;
    let txn = db::begin_write(db).await?;
    let current = writable(&txn, viewer, id).await?;
    let mut active: post::ActiveModel = current.into();
    if let Some(title) = title {
        active.title = Set(title);
    }
    if let Some(content) = content {
        active.content = Set(content);
    }
    active.updated_at = Set(clock::now());
    let post = active.update(&txn).await?;
    txn.commit().await?;
    Ok(post)
}

/// Publishes a draft. Publishing a published post keeps its first `published_at`.
#[tracing::instrument(skip(db))]
pub async fn publish(db: &DatabaseConnection, viewer: &Viewer, id: i32) -> Result<post::Model> {
    let txn = db::begin_write(db).await?;
    let current = writable(&txn, viewer, id).await?;
    if current.status == PostStatus::Published {
        return Ok(current);
    }
    let now = clock::now();
    let mut active: post::ActiveModel = current.into();
    active.status = Set(PostStatus::Published);
    active.published_at = Set(Some(now));
    active.updated_at = Set(now);
    let post = active.update(&txn).await?;
    txn.commit().await?;
    Ok(post)
}

/// Deletes a post.
#[tracing::instrument(skip(db))]
pub async fn delete(db: &DatabaseConnection, viewer: &Viewer, id: i32) -> Result<post::Model> {
    let txn = db::begin_write(db).await?;
    let current = writable(&txn, viewer, id).await?;
    post::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(current)
}

/// The post `id` if the caller may change it: a post they cannot even see is NOT_FOUND, one
/// they can see but did not write is FORBIDDEN.
async fn writable(db: &impl ConnectionTrait, viewer: &Viewer, id: i32) -> Result<post::Model> {
    viewer.require_caller()?;
    let post = find(db, viewer, id)
        .await?
        .ok_or_else(|| Error::not_found("post", id))?;
    viewer.require_self_or_admin(post.author_id)?;
    Ok(post)
}
