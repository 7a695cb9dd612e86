//! `grantRole`, `revokeRole`: admins only.

use crate::graphql::args::{Kind, parse_id};
use crate::graphql::error::GqlResult;
use crate::graphql::types::User;
use crate::graphql::types::enums::RoleName;
use crate::graphql::viewer::viewer;
use async_graphql::{Context, ID, Object};
use service::roles::RoleChange;
use service::{DatabaseConnection, roles};

#[derive(Default)]
pub struct RoleMutation;

#[Object]
impl RoleMutation {
    /// Gives a user a role (giving it again changes nothing).
    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user who gets the role.")] user_id: ID,
        #[graphql(desc = "The role to give.")] role: RoleName,
    ) -> async_graphql::Result<User> {
        change(ctx, &user_id, role, RoleChange::Grant).await
    }

    /// Takes a role from a user. An admin cannot take their own admin role (so a shop always
    /// keeps the admin who did it).
    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user who loses the role.")] user_id: ID,
        #[graphql(desc = "The role to take.")] role: RoleName,
    ) -> async_graphql::Result<User> {
        change(ctx, &user_id, role, RoleChange::Revoke).await
    }
}

/// Gives or takes `role`.
async fn change(
    ctx: &Context<'_>,
    user_id: &ID,
    role: RoleName,
    change: RoleChange,
) -> async_graphql::Result<User> {
    // Read here, refused (if malformed) only once the caller may change roles.
    let id = parse_id("userId", Kind::User, user_id);
    let db = ctx.data::<DatabaseConnection>()?;
    let user = roles::change_named(db, &viewer(ctx), id, role.name(), change).await;
    Ok(User::from(user.gql()?))
}
