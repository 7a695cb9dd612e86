//! `Post`.

use super::User;
use super::enums::PostStatus;
use crate::graphql::args::{Kind, global_id};
use crate::graphql::columns;
use crate::graphql::engine::direct::Direct;
use async_graphql::{Context, ID, Lookahead, Object};
use chrono::{DateTime, Utc};
use service::posts::PostColumns;
use service::projection::Columns;
use std::sync::Arc;

/// An article written by a user, with its author when that is already at hand (a user's own
/// posts, with the columns they were read with), so `author` may need no lookup, and which of
/// its own columns were read.
pub struct Post(
    pub service::post::Model,
    Option<(Arc<service::user::Model>, Columns<service::user::Entity>)>,
    PostColumns,
);

impl From<service::post::Model> for Post {
    fn from(model: service::post::Model) -> Self {
        Self(model, None, PostColumns::ALL)
    }
}

impl Post {
    /// A post listed under `author` (read with `author_columns`), who is kept only if they did
    /// write it, read with `columns`.
    pub fn by(
        model: service::post::Model,
        author: &Arc<service::user::Model>,
        author_columns: Columns<service::user::Entity>,
        columns: PostColumns,
    ) -> Self {
        let author = (model.author_id == author.id).then(|| (author.clone(), author_columns));
        Self(model, author, columns)
    }

    /// The columns a list of posts must read for the selection under `list` (a connection
    /// field): a column is read when its field is selected anywhere under `nodes` or
    /// `edges.node`, fragments included.
    pub fn columns(list: &Lookahead<'_>) -> PostColumns {
        let node = columns::nodes(list);
        let selected = |name: &str| node.as_ref().is_some_and(|n| n.field(name).exists());
        PostColumns {
            content: selected("content"),
            status: selected("status"),
            published_at: selected("publishedAt"),
            updated_at: selected("updatedAt"),
        }
    }

    /// `value`, if its column was read.
    fn read<T>(&self, was_read: fn(&PostColumns) -> bool, value: T) -> async_graphql::Result<T> {
        columns::was_read(was_read(&self.2), value)
    }
}

/// An article by a user: a draft, seen by its author and admins only, or published, seen by
/// everyone.
#[Object]
impl Post {
    /// The post's global id (see `Node`).
    pub async fn id(&self) -> ID {
        global_id(Kind::Post, self.0.id)
    }

    /// The row's number in its table, for logs and admin tools; use `id` everywhere in the
    /// API.
    async fn database_id(&self) -> i32 {
        self.0.id
    }

    /// The title, 1 to 200 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The body text, up to 100,000 characters.
    async fn content(&self) -> async_graphql::Result<&str> {
        self.read(|c| c.content, &self.0.content)
    }

    /// Draft or published.
    async fn status(&self) -> async_graphql::Result<PostStatus> {
        self.read(|c| c.status, self.0.status.into())
    }

    /// When the post was first published; null for drafts.
    async fn published_at(&self) -> async_graphql::Result<Option<DateTime<Utc>>> {
        self.read(|c| c.published_at, self.0.published_at)
    }

    /// When the post was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the post last changed.
    async fn updated_at(&self) -> async_graphql::Result<DateTime<Utc>> {
        self.read(|c| c.updated_at, self.0.updated_at)
    }

    /// The author's id, without loading the author.
    async fn author_id(&self) -> ID {
        global_id(Kind::User, self.0.author_id)
    }

    /// Who wrote the post (their private fields follow `User`'s rules).
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Direct<User>> {
        // Read every column, the author at hand answers any selection without a look-ahead
        // (a list of 50 users' posts asks this 500 times).
        let wanted = || User::columns(&ctx.look_ahead());
        if let Some((author, columns)) = &self.1
            && (columns.is_all() || columns.covers(wanted()))
        {
            return Ok(Direct(User::read_with(author.clone(), *columns)));
        }
        // The foreign key guarantees the author exists.
        Ok(Direct(User::by_id(ctx, self.0.author_id, wanted()).await?))
    }
}
