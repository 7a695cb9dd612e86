//! `createUser`, `updateUser`, `deleteUser`.

use crate::graphql::args::{parse_id, to_id};
use crate::graphql::error::GqlResult;
use crate::graphql::types::User;
use crate::graphql::types::enums::UserStatus;
use async_graphql::{Context, ID, InputObject, Object};
use service::{DatabaseConnection, users};

/// A new user. The email must be unique (case-insensitive).
#[derive(InputObject)]
pub struct CreateUserInput {
    pub email: String,
    pub name: String,
    /// ACTIVE unless given.
    pub status: Option<UserStatus>,
}

/// Changes to a user; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateUserInput {
    pub email: Option<String>,
    pub name: Option<String>,
    pub status: Option<UserStatus>,
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Creates a user with a new loyalty card. Duplicate email → CONFLICT.
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> async_graphql::Result<User> {
        let db = ctx.data::<DatabaseConnection>()?;
        let new = users::NewUser { email: input.email, name: input.name, status: input.status.map(Into::into) };
        Ok(User(users::create(db, new).await.gql()?))
    }

    /// Updates a user. Unknown id → NOT_FOUND; email taken → CONFLICT.
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateUserInput,
    ) -> async_graphql::Result<User> {
        let id = parse_id("id", &id)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let patch = users::UserPatch { email: input.email, name: input.name, status: input.status.map(Into::into) };
        Ok(User(users::update(db, id, patch).await.gql()?))
    }

    /// Deletes a user with their posts; returns the deleted id. A user with orders → CONFLICT.
    async fn delete_user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let id = parse_id("id", &id)?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(to_id(users::delete(db, id).await.gql()?.id))
    }
}
