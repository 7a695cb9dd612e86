//! `Post`.

use super::User;
use super::enums::PostStatus;
use crate::graphql::args::to_id;
use crate::graphql::direct::Direct;
use crate::graphql::error::{GqlResult, internal};
use crate::graphql::loaders::Loaders;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// An article written by a user, with its author when that is already at hand (a user's own
/// posts), so `author` needs no lookup.
pub struct Post(pub service::post::Model, Option<Arc<service::user::Model>>);

impl From<service::post::Model> for Post {
    fn from(model: service::post::Model) -> Self {
        Self(model, None)
    }
}

impl Post {
    /// A post listed under `author`, who is kept only if they did write it.
    pub fn by(model: service::post::Model, author: &Arc<service::user::Model>) -> Self {
        let author = (model.author_id == author.id).then(|| author.clone());
        Self(model, author)
    }
}

#[Object]
impl Post {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn content(&self) -> &str {
        &self.0.content
    }

    async fn status(&self) -> PostStatus {
        self.0.status.into()
    }

    /// When the post was first published; null for drafts.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The author's id, without loading the author.
    async fn author_id(&self) -> ID {
        to_id(self.0.author_id)
    }

    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Direct<User>> {
        if let Some(author) = &self.1 {
            return Ok(Direct(User::from(author.clone())));
        }
        let loaders = ctx.data::<Loaders>()?;
        // The foreign key guarantees the author exists; a miss means the data changed under us.
        let author = loaders
            .user_by_id
            .load_one(self.0.author_id)
            .await
            .gql()?
            .ok_or_else(internal)?;
        Ok(Direct(User::from(author)))
    }
}
