//! `createPost`, `updatePost`, `publishPost`, `deletePost`.

use crate::graphql::args::{Kind, global_id, parse_id};
use crate::graphql::error::GqlResult;
use crate::graphql::types::Post;
use crate::graphql::viewer::viewer;
use async_graphql::{Context, ID, InputObject, Object};
use service::{DatabaseConnection, posts};

/// A new post.
#[derive(InputObject)]
pub struct CreatePostInput {
    /// The caller when omitted; only admins write for others.
    pub author_id: Option<ID>,
    /// 1–200 characters after trimming.
    pub title: String,
    /// Up to 100,000 characters.
    pub content: String,
    /// Publish at once instead of saving a draft.
    #[graphql(default)]
    pub publish: bool,
}

/// Changes to a post; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdatePostInput {
    /// A new title, 1 to 200 characters after trimming.
    pub title: Option<String>,
    /// New body text, up to 100,000 characters.
    pub content: Option<String>,
}

#[derive(Default)]
pub struct PostMutation;

#[Object]
impl PostMutation {
    /// Creates a post (a draft unless `publish`). Sign in first. Unknown author → NOT_FOUND.
    async fn create_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new post.")] input: CreatePostInput,
    ) -> async_graphql::Result<Post> {
        let db = ctx.data::<DatabaseConnection>()?;
        let new = posts::NewPost {
            author_id: input
                .author_id
                .as_ref()
                .map(|id| parse_id("input.authorId", Kind::User, id))
                .transpose()?,
            title: input.title,
            content: input.content,
            publish: input.publish,
        };
        Ok(Post::from(
            posts::create(db, &viewer(ctx), new).await.gql()?,
        ))
    }

    /// Updates a post's title or content: its author or an admin. Unknown id → NOT_FOUND.
    async fn update_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post to change.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdatePostInput,
    ) -> async_graphql::Result<Post> {
        let id = parse_id("id", Kind::Post, &id)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let patch = posts::PostPatch {
            title: input.title,
            content: input.content,
        };
        Ok(Post::from(
            posts::update(db, &viewer(ctx), id, patch).await.gql()?,
        ))
    }

    /// Publishes a draft (publishing again keeps the first publication time): its author
    /// or an admin.
    async fn publish_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft to publish.")] id: ID,
    ) -> async_graphql::Result<Post> {
        let id = parse_id("id", Kind::Post, &id)?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(Post::from(
            posts::publish(db, &viewer(ctx), id).await.gql()?,
        ))
    }

    /// Deletes a post (its author or an admin); returns the deleted id.
    async fn delete_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post to delete.")] id: ID,
    ) -> async_graphql::Result<ID> {
        let id = parse_id("id", Kind::Post, &id)?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(global_id(
            Kind::Post,
            posts::delete(db, &viewer(ctx), id).await.gql()?.id,
        ))
    }
}
