//! `user` and `users`.

use crate::graphql::args::{page_args, page_weight, parse_id};
use crate::graphql::connection::{Conn, CountOf, connection};
use crate::graphql::direct::Direct;
use crate::graphql::error::GqlResult;
use crate::graphql::filters::{UserFilter, UserOrder};
use crate::graphql::loaders::Loaders;
use crate::graphql::types::User;
use crate::graphql::viewer::viewer;
use async_graphql::{Context, ID, Object};
use service::pagination::{Page, Sort};
use service::users::UserSort;
use service::{DatabaseConnection, users};
use std::sync::Arc;

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// One user's profile (name and tier are public; the rest is for the user and admins),
    /// or null when there is none with this id.
    async fn user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Direct<User>>> {
        let id = parse_id("id", &id)?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(users::get(db, id)
            .await
            .gql()?
            .map(|user| Direct(User::from(user))))
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
    #[graphql(complexity = "1 + page_weight(first, last) * child_complexity")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<UserFilter>,
        order_by: Option<UserOrder>,
    ) -> async_graphql::Result<Conn<User>> {
        viewer(ctx).require_admin().gql()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let filter = UserFilter::into_service(filter)?;
        let sort = UserOrder::or(
            order_by,
            Sort {
                key: UserSort::Id,
                desc: false,
            },
        );
        let page = users::list(db, &filter, sort, &page_args(first, after, last, before))
            .await
            .gql()?;
        // Every row of the page also answers later lookups of the same user by id in this
        // request (a post's author, an order's customer) without another statement.
        let page = Page {
            items: page.items.into_iter().map(Arc::new).collect(),
            has_next: page.has_next,
            has_prev: page.has_prev,
        };
        ctx.data::<Loaders>()?
            .user_by_id
            .feed_many(page.items.iter().map(|user| (user.id, user.clone())))
            .await;
        Ok(connection(
            page,
            CountOf::Users(filter),
            |m| sort.cursor(m),
            User::from,
        ))
    }
}
