//! `user` and `users`.

use crate::graphql::args::{Kind, page_args, parse_id};
use crate::graphql::connection::{Conn, CountOf, connection};
use crate::graphql::engine::direct::Direct;
use crate::graphql::error::{GqlResult, null_on_error};
use crate::graphql::filters::{UserFilter, UserSortInput};
use crate::graphql::types::User;
use crate::graphql::viewer::viewer;
use async_graphql::{Context, ID, Object};
use service::pagination::Sort;
use service::users::UserSort;
use service::{DatabaseConnection, users};

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// One user's profile (name and tier are public; the rest is for the user and admins),
    /// or null when there is none with this id.
    async fn user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id.")] id: ID,
    ) -> Option<Direct<User>> {
        // Nullable: an error here nulls this field only (see `null_on_error`).
        let found = async {
            let id = parse_id("id", Kind::User, &id)?;
            let db = ctx.data::<DatabaseConnection>()?;
            Ok(users::get(db, id)
                .await
                .gql()?
                .map(|user| Direct(User::from(user))))
        }
        .await;
        null_on_error(ctx, found)
    }

    /// The signed-in user, or null for anonymous callers.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Direct<User>>> {
        let Some(id) = viewer(ctx).user_id else {
            return Ok(None);
        };
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(users::get(db, id)
            .await
            .gql()?
            .map(|user| Direct(User::from(user))))
    }

    /// Users, paged (at most 100 per page), filtered and sorted (by id unless `orderBy`).
    /// Admins only.
    #[allow(clippy::too_many_arguments)]
    async fn users(
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
            UserFilter,
        >,
        #[graphql(
            desc = "How the rows are sorted: by each column in turn (at most 3), then by id."
        )]
        order_by: Option<Vec<UserSortInput>>,
    ) -> async_graphql::Result<Conn<User>> {
        let db = ctx.data::<DatabaseConnection>()?;
        // Read here, refused (if malformed) only once the caller is an admin.
        let filter = UserFilter::into_service(filter);
        let sort = UserSortInput::or(order_by, Sort::by(UserSort::Id, false));
        let args = page_args(first, after, last, before);
        let page = users::list(
            db,
            &viewer(ctx),
            filter.as_ref(),
            sort.as_ref().copied(),
            &args,
        )
        .await
        .gql()?;
        let (filter, sort) = (filter?, sort?);
        Ok(connection(
            page,
            CountOf::Users(filter),
            |m| sort.cursor(m),
            User::from,
        ))
    }
}
