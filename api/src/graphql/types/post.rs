//! `Post`.

use super::User;
use super::enums::PostStatus;
use crate::graphql::args::{Kind, global_id, write_global_id};
use crate::graphql::columns::{self, read};
use crate::graphql::engine::direct::{Direct, WrittenFields, write_object};
use async_graphql::parser::types::Field;
use async_graphql::{Context, ID, Lookahead, Object};
use chrono::{DateTime, Utc};
use service::rows::{Columns, PostColumn as C, PostRow, UserRow};
use std::sync::Arc;

/// An article written by a user, as it was read (a user's posts read only the columns behind
/// the fields selected under them; a field whose column was not read has no value to answer,
/// see `columns::read`), with its author when that is already at hand (a user's own posts),
/// so `author` may need no lookup.
pub struct Post(PostRow, Option<Arc<UserRow>>);

impl From<service::post::Model> for Post {
    fn from(model: service::post::Model) -> Self {
        Self(model.into(), None)
    }
}

/// Each field answered from an optional column, with that column (`id`, `title`, `authorId`
/// and `createdAt` are always read).
const SOURCES: [(&str, C); 4] = [
    ("content", C::Content),
    ("status", C::Status),
    ("publishedAt", C::PublishedAt),
    ("updatedAt", C::UpdatedAt),
];

impl Post {
    /// A post listed under `author`, who is kept only if they did write it.
    pub fn by(row: PostRow, author: &Arc<UserRow>) -> Self {
        let author = (row.author_id == author.id).then(|| author.clone());
        Self(row, author)
    }

    /// The columns a list of posts must read for the selection under `list` (a connection
    /// field): a column is read when its field is selected anywhere under `nodes` or
    /// `edges.node`, fragments included.
    pub fn columns(list: &Lookahead<'_>) -> Columns<C> {
        columns::nodes(list).map_or(Columns::none(), |node| columns::selected(&node, &SOURCES))
    }
}

impl WrittenFields for Post {
    fn write_field(&self, field: &Field, out: &mut Vec<u8>) -> bool {
        match field.name.node.as_str() {
            "id" => write_global_id(out, Kind::Post, self.0.id),
            "databaseId" => super::write_i32(out, Some(self.0.id)),
            "title" => super::write_text(out, Some(&self.0.title)),
            "content" => super::write_text(out, self.0.content.as_deref()),
            "authorId" => write_global_id(out, Kind::User, self.0.author_id),
            // The author at hand with every column answers any selection (see `author`).
            "author" => self.1.as_ref().is_some_and(|author| {
                author.columns().is_all()
                    && write_object(&User::from(author.clone()), &field.selection_set.node, out)
            }),
            _ => false,
        }
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
        read(self.0.content.as_deref())
    }

    /// Draft or published.
    async fn status(&self) -> async_graphql::Result<PostStatus> {
        read(self.0.status.map(Into::into))
    }

    /// When the post was first published; null for drafts.
    async fn published_at(&self) -> async_graphql::Result<Option<DateTime<Utc>>> {
        read(self.0.published_at)
    }

    /// When the post was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the post last changed.
    async fn updated_at(&self) -> async_graphql::Result<DateTime<Utc>> {
        read(self.0.updated_at)
    }

    /// The author's id, without loading the author.
    async fn author_id(&self) -> ID {
        global_id(Kind::User, self.0.author_id)
    }

    /// Who wrote the post (their private fields follow `User`'s rules).
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Direct<User>> {
        // Read with every column, the author at hand answers any selection without a
        // look-ahead (a list of 50 users' posts asks this 500 times).
        let wanted = || User::columns(&ctx.look_ahead());
        if let Some(author) = &self.1 {
            let columns = author.columns();
            if columns.is_all() || columns.covers(wanted()) {
                return Ok(Direct(User::from(author.clone())));
            }
        }
        // The foreign key guarantees the author exists.
        Ok(Direct(User::by_id(ctx, self.0.author_id, wanted()).await?))
    }
}
