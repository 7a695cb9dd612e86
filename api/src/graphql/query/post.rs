//! `post` and `posts`.

use crate::graphql::args::{page_args, parse_id};
use crate::graphql::connection::{Conn, CountOf, connection};
use crate::graphql::error::GqlResult;
use crate::graphql::filters::{PostFilter, PostOrder};
use crate::graphql::types::Post;
use crate::graphql::viewer::viewer;
use async_graphql::{Context, ID, Object};
use service::pagination::Sort;
use service::posts::PostSort;
use service::{DatabaseConnection, posts};

#[derive(Default)]
pub struct PostQuery;

#[Object]
impl PostQuery {
    /// One post, or null when there is none with this id (drafts are visible to their
    /// author and admins only).
    async fn post(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Post>> {
        let id = parse_id("id", &id)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let viewer = viewer(ctx);
        Ok(posts::get(db, id)
            .await
            .gql()?
            .filter(|p| viewer.can_read_post(p))
            .map(Post::from))
    }

    /// Posts, paged (at most 100 per page), filtered and sorted (by id unless `orderBy`):
    /// published ones, plus the caller's own drafts (admins see every draft).
    #[allow(clippy::too_many_arguments)]
    async fn posts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<PostFilter>,
        order_by: Option<PostOrder>,
    ) -> async_graphql::Result<Conn<Post>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let filter = PostFilter::into_service(filter, viewer(ctx).post_scope())?;
        let sort = PostOrder::or(
            order_by,
            Sort {
                key: PostSort::Id,
                desc: false,
            },
        );
        let page = posts::list(db, &filter, sort, &page_args(first, after, last, before))
            .await
            .gql()?;
        Ok(connection(
            page,
            CountOf::Posts(filter),
            |m| sort.cursor(m),
            Post::from,
        ))
    }
}
