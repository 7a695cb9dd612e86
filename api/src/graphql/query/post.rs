//! `post` and `posts`.

use crate::graphql::args::{Kind, parse_id};
use crate::graphql::connection::{Conn, CountOf};
use crate::graphql::error::{GqlResult, null_on_error};
use crate::graphql::filters::{PostFilter, PostSortInput};
use crate::graphql::lists::{ListArgs, list_fields};
use crate::graphql::types::Post;
use crate::graphql::viewer::viewer;
use async_graphql::{Context, ID, Object};
use service::list::Sort;
use service::posts::PostSort;
use service::{DatabaseConnection, posts};

#[derive(Default)]
pub struct PostQuery;

#[Object]
impl PostQuery {
    /// One post, or null when there is none with this id (drafts are visible to their
    /// author and admins only).
    async fn post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The post's id.")] id: ID,
    ) -> Option<Post> {
        // Nullable: an error here nulls this field only (see `null_on_error`).
        let found = async {
            let id = parse_id("id", Kind::Post, &id)?;
            let db = ctx.data::<DatabaseConnection>()?;
            Ok(posts::find(db, &viewer(ctx), id)
                .await
                .gql()?
                .map(Post::from))
        }
        .await;
        null_on_error(ctx, found)
    }

    /// The list field `posts`, with the arguments every list shares.
    #[graphql(flatten)]
    async fn lists(&self) -> PostLists<'_> {
        PostLists(self)
    }
}

list_fields! {
    /// `Query`'s list of posts.
    struct PostLists for PostQuery {
        /// Posts, paged (at most 100 per page), filtered and sorted (by id unless `orderBy`):
        /// published ones, plus the caller's own drafts (admins see every draft).
        posts(PostFilter, PostSortInput) -> async_graphql::Result<Conn<Post>>;
    }
}

impl PostQuery {
    async fn posts(
        &self,
        ctx: &Context<'_>,
        list: ListArgs<PostFilter, PostSortInput>,
    ) -> async_graphql::Result<Conn<Post>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let list = list.read(Sort::by(PostSort::Id, false));
        let (filter, sort) = list.checked()?;
        let page = posts::list(db, &viewer(ctx), filter, sort, &list.page)
            .await
            .gql()?;
        list.connection(page, CountOf::Posts, Post::from)
    }
}
