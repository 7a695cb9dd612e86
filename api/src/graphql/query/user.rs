//! `user` and `users`.

use crate::graphql::args::{Kind, parse_id};
use crate::graphql::connection::{Conn, CountOf};
use crate::graphql::engine::direct::Direct;
use crate::graphql::error::{GqlResult, null_on_error};
use crate::graphql::filters::{UserFilter, UserSortInput};
use crate::graphql::lists::{ListArgs, list_fields};
use crate::graphql::types::User;
use crate::graphql::viewer::viewer;
use async_graphql::{Context, ID, Object};
use service::list::Sort;
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

    /// The list field `users`, with the arguments every list shares.
    #[graphql(flatten)]
    async fn lists(&self) -> UserLists<'_> {
        UserLists(self)
    }
}

list_fields! {
    /// `Query`'s list of users.
    struct UserLists for UserQuery {
        /// Users, paged (at most 100 per page), filtered and sorted (by id unless `orderBy`).
        /// Admins only.
        users(UserFilter, UserSortInput) -> async_graphql::Result<Conn<User>>;
    }
}

impl UserQuery {
    async fn users(
        &self,
        ctx: &Context<'_>,
        list: ListArgs<UserFilter, UserSortInput>,
    ) -> async_graphql::Result<Conn<User>> {
        let db = ctx.data::<DatabaseConnection>()?;
        // Read here, refused (if malformed) only once the caller is an admin.
        let list = list.read(Sort::by(UserSort::Id, false));
        let (filter, sort) = (list.filter.as_ref(), list.sort.as_ref().copied());
        let page = users::list(db, &viewer(ctx), filter, sort, &list.page)
            .await
            .gql()?;
        list.connection(page, CountOf::Users, User::from)
    }
}
