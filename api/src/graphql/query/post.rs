//! `post` and `posts`.

use crate::graphql::args::{Kind, page_args, parse_id};
use crate::graphql::connection::{Conn, CountOf, connection};
use crate::graphql::error::{GqlResult, null_on_error};
use crate::graphql::filters::{PostFilter, PostSortInput};
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

    /// Posts, paged (at most 100 per page), filtered and sorted (by id unless `orderBy`):
    /// published ones, plus the caller's own drafts (admins see every draft).
    #[allow(clippy::too_many_arguments)]
    async fn posts(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Rows from the start of the list (after `after` when given): 0 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Rows after this cursor: an edge `cursor` or `pageInfo.endCursor` from this list with the same `orderBy`."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Rows from the end of the list (before `before` when given): 0 to 100; not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Rows before this cursor: an edge `cursor` or `pageInfo.startCursor` from this list with the same `orderBy`."
        )]
        before: Option<String>,
        #[graphql(desc = "Only the rows that match; all given parts must hold.")] filter: Option<
            PostFilter,
        >,
        #[graphql(
            desc = "How the rows are sorted: by each column in turn (at most 3), then by id."
        )]
        order_by: Option<Vec<PostSortInput>>,
    ) -> async_graphql::Result<Conn<Post>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let filter = PostFilter::into_service(filter)?;
        let sort = PostSortInput::or(order_by, Sort::by(PostSort::Id, false))?;
        let args = page_args(first, after, last, before);
        let page = posts::list(db, &viewer(ctx), &filter, sort, &args)
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
