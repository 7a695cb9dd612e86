//! Accounts: `signup`, `login`, and staff's `createUser`, `updateUser`, `deleteUser`.

use crate::auth::throttle::{ClientAddress, SignInThrottle};
use crate::auth::token::TokenKeys;
use crate::graphql::args::{Kind, global_id, parse_id};
use crate::graphql::error::GqlResult;
use crate::graphql::error::{rate_limited, unexpected};
use crate::graphql::keyed;
use crate::graphql::types::User;
use crate::graphql::types::enums::UserStatus;
use crate::graphql::viewer::viewer;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use service::idempotency::{self, Outcome};
use service::{DatabaseConnection, auth, users};
use std::sync::Arc;

/// A new user. The email must be unique (case-insensitive).
#[derive(InputObject)]
pub struct CreateUserInput {
    /// The sign-in email: a valid address, unique ignoring case.
    pub email: String,
    /// The display name, 1 to 100 characters after trimming.
    pub name: String,
    /// ACTIVE unless given.
    pub status: Option<UserStatus>,
}

/// Changes to a user; omitted fields stay as they are. Only admins change `status`.
#[derive(InputObject)]
pub struct UpdateUserInput {
    /// A new sign-in email, unique ignoring case.
    pub email: Option<String>,
    /// A new display name, 1 to 100 characters after trimming.
    pub name: Option<String>,
    /// Switch the account on or off (admins only).
    pub status: Option<UserStatus>,
}

/// The result of signing in or up: send `token` as `Authorization: Bearer <token>`.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// A signed token (JWT) for the `Authorization` header, valid for
    /// `SHOPGRAPH_TOKEN_TTL_SECS` (12 hours by default).
    pub token: String,
    /// The user who signed in, with every field visible to them.
    pub user: User,
}

#[derive(Default)]
pub struct UserMutation;

/// `user` signed in: a new token.
fn signed_in(ctx: &Context<'_>, user: service::user::Model) -> async_graphql::Result<AuthPayload> {
    let keys = ctx.data::<TokenKeys>()?;
    Ok(AuthPayload {
        token: keys.issue(user.id).map_err(|e| unexpected(&e))?,
        user: User::signed_in(user),
    })
}

/// The account an earlier run of this keyed sign-up or sign-in answered with, signed in
/// again with a new token (the first one was never delivered).
async fn signed_in_again(
    ctx: &Context<'_>,
    outcome: &Outcome,
) -> async_graphql::Result<AuthPayload> {
    let db = ctx.data::<DatabaseConnection>()?;
    let user = auth::signed_in_again(db, outcome.id(0).gql()?)
        .await
        .gql()?;
    signed_in(ctx, user)
}

/// Counts a sign-in (or sign-up) attempt for `email` from the request's address; refused with
/// RATE_LIMITED before any password is hashed.
fn throttled(ctx: &Context<'_>, email: &str) -> async_graphql::Result<()> {
    let throttle = ctx.data::<Arc<SignInThrottle>>()?;
    let address = ctx.data_opt::<ClientAddress>().copied();
    throttle
        .attempt(email, address)
        .map_err(|wait| rate_limited("too many sign-in attempts", wait))
}

#[Object]
impl UserMutation {
    /// Creates a customer account and signs it in. Password: 8 to 128 characters.
    ///
    /// Takes an `Idempotency-Key` header: a retry with the same key and body gets the first
    /// response back (with `Idempotency-Replayed: true`) and writes nothing.
    async fn signup(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sign-in email: a valid address, unique ignoring case.")]
        email: String,
        #[graphql(desc = "The display name, 1 to 100 characters after trimming.")] name: String,
        #[graphql(desc = "8 to 128 characters.")] password: String,
    ) -> async_graphql::Result<AuthPayload> {
        throttled(ctx, &email)?;
        let db = ctx.data::<DatabaseConnection>()?;
        if let Some(outcome) = keyed::recovered(ctx) {
            return signed_in_again(ctx, outcome).await;
        }
        let signup = auth::Signup {
            email,
            name,
            password,
        };
        let user = auth::signup(db, signup, keyed::attempt(ctx)).await.gql()?;
        signed_in(ctx, user)
    }

    /// Signs in. A wrong email or password is the same UNAUTHENTICATED error.
    ///
    /// Takes an `Idempotency-Key` header: a retry with the same key and body gets the first
    /// response back (with `Idempotency-Replayed: true`) and writes nothing.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sign-in email (case does not matter).")] email: String,
        #[graphql(desc = "The account's password.")] password: String,
    ) -> async_graphql::Result<AuthPayload> {
        throttled(ctx, &email)?;
        let db = ctx.data::<DatabaseConnection>()?;
        if let Some(outcome) = keyed::recovered(ctx) {
            return signed_in_again(ctx, outcome).await;
        }
        let user = auth::login(db, &email, &password).await.gql()?;
        if let Some(attempt) = keyed::attempt(ctx) {
            // A sign-in writes nothing else: the key is recorded on its own.
            idempotency::record_alone(db, attempt, Outcome(vec![user.id]))
                .await
                .gql()?;
        }
        signed_in(ctx, user)
    }

    /// Creates a user with a new loyalty card (no password: they cannot sign in until one is
    /// set). Admins only. Duplicate email → CONFLICT.
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new user.")] input: CreateUserInput,
    ) -> async_graphql::Result<User> {
        let db = ctx.data::<DatabaseConnection>()?;
        let new = users::NewUser {
            email: input.email,
            name: input.name,
            status: input.status.map(Into::into),
        };
        Ok(User::from(
            users::create(db, &viewer(ctx), new).await.gql()?,
        ))
    }

    /// Updates a user: themself (email, name) or an admin (also status). Unknown id →
    /// NOT_FOUND; email taken → CONFLICT.
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user to change.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateUserInput,
    ) -> async_graphql::Result<User> {
        let id = parse_id("id", Kind::User, &id)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let patch = users::UserPatch {
            email: input.email,
            name: input.name,
            status: input.status.map(Into::into),
        };
        Ok(User::from(
            users::update(db, &viewer(ctx), id, patch).await.gql()?,
        ))
    }

    /// Deletes a user with their posts; returns the deleted id. Admins only. A user with
    /// orders → CONFLICT.
    async fn delete_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user to delete.")] id: ID,
    ) -> async_graphql::Result<ID> {
        // Read here, refused (if malformed) only once the caller may delete users.
        let id = parse_id("id", Kind::User, &id);
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(global_id(
            Kind::User,
            users::delete(db, &viewer(ctx), id).await.gql()?.id,
        ))
    }
}
