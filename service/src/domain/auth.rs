//! Accounts: sign-up, sign-in and the signed-in principal. Passwords are hashed with argon2id
//! on a blocking thread (hashing is deliberately slow and would stall the async runtime).

use crate::domain::idempotency::{self, Attempt};
use crate::{
    Error, Result,
    domain::{roles, users, validate},
    store::db,
};
use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use entity::{UserStatus, role, user, user_role};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection};

/// Shortest password accepted.
pub const PASSWORD_MIN: usize = 8;
/// Longest password accepted (argon2 would take any length; this bounds the work per request).
pub const PASSWORD_MAX: usize = 128;

/// Checks a new password's length.
pub fn check_password(password: &str) -> Result<()> {
    let len = password.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&len) {
        return Err(Error::invalid(
            "password",
            format!("must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long"),
        ));
    }
    Ok(())
}

/// Runs after every argon2 hash or check, on the thread that did it.
static AFTER_HASHING: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Sets what runs after every argon2 hash or check (once per process; later calls are
/// ignored). Each one borrows 19 MiB of scratch memory; a binary whose allocator keeps freed
/// memory for reuse can hand it back to the OS here, instead of carrying it from the first
/// sign-in on.
pub fn after_hashing(hook: fn()) {
    let _ = AFTER_HASHING.set(hook);
}

fn hashed<T>(outcome: T) -> T {
    if let Some(hook) = AFTER_HASHING.get() {
        hook();
    }
    outcome
}

/// Hashes a password with argon2id and a random salt, off the async runtime.
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        let hash = Argon2::default().hash_password(password.as_bytes(), &salt);
        hashed(
            hash.map(|hash| hash.to_string())
                .map_err(|e| Error::internal("password hashing", e)),
        )
    })
    .await?
}

/// Whether `password` matches `hash`, off the async runtime. A stored hash that does not parse
/// matches nothing.
async fn password_matches(hash: String, password: String) -> Result<bool> {
    let matches = tokio::task::spawn_blocking(move || {
        hashed(
            PasswordHash::new(&hash)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false),
        )
    })
    .await?;
    Ok(matches)
}

/// A hash of nothing in particular, verified when an email is unknown so that a wrong email
/// takes as long as a wrong password and cannot be told apart by timing.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2hvcGdyYXBoZGVjb3k$4i1fQ9mwP1S+V1nG2Qf5rNpYGBvR1nDq5+0kIYQ6kXc";

/// A new account.
#[derive(Clone, Debug)]
pub struct Signup {
    pub email: String,
    pub name: String,
    pub password: String,
}

/// Creates a customer account with a password, in one transaction.
#[tracing::instrument(skip(db, input, attempt))]
pub async fn signup(
    db: &DatabaseConnection,
    input: Signup,
    attempt: Option<&Attempt>,
) -> Result<user::Model> {
    let email = validate::email(&input.email)?;
    let name = validate::text("name", &input.name, users::NAME_MAX)?;
    check_password(&input.password)?;
    let hash = hash_password(input.password).await?;
    let txn = db::begin_write(db).await?;
    let user = users::insert(&txn, email, name, UserStatus::Active, Some(hash)).await?;
    let customer = roles::ensure(&txn, roles::CUSTOMER).await?;
    roles::grant(&txn, user.id, customer.id).await?;
    idempotency::commit(txn, attempt, &[user.id]).await?;
    Ok(user)
}

/// User `id` signing in again (a sign-up or sign-in answered anew): the account must still
/// be active.
#[tracing::instrument(skip(db))]
pub async fn signed_in_again(db: &DatabaseConnection, id: i32) -> Result<user::Model> {
    match users::get(db, id).await? {
        Some(user) if user.status == UserStatus::Active => Ok(user),
        _ => Err(Error::Unauthenticated("the account is not active".into())),
    }
}

/// The active user with this email and password; anything else is the same UNAUTHENTICATED.
#[tracing::instrument(skip(db, password))]
pub async fn login(db: &DatabaseConnection, email: &str, password: &str) -> Result<user::Model> {
    let refused = || Error::Unauthenticated("invalid email or password".into());
    let found = users::by_email(db, email).await?;
    let hash = found.as_ref().and_then(|u| u.password_hash.clone());
    let matches = password_matches(
        hash.clone().unwrap_or_else(|| DECOY_HASH.into()),
        password.into(),
    )
    .await?;
    match found {
        Some(user) if matches && hash.is_some() && user.status == UserStatus::Active => Ok(user),
        _ => Err(refused()),
    }
}

/// Sets a user's password (staff set-up, e.g. the seeded admin).
pub async fn set_password(db: &impl ConnectionTrait, user_id: i32, password: String) -> Result<()> {
    check_password(&password)?;
    let hash = hash_password(password).await?;
    let user = users::existing(db, user_id).await?;
    let mut active: user::ActiveModel = user.into();
    active.password_hash = Set(Some(hash));
    active.update(db).await?;
    Ok(())
}

/// Who a valid token speaks for, as the database says now (so a deactivated account or a
/// revoked role takes effect at once, not when the token expires).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i32,
    pub admin: bool,
}

/// The principal of an active user, or `None` (unknown or inactive user). One statement,
/// since it runs on every authenticated request.
pub async fn principal(db: &impl ConnectionTrait, user_id: i32) -> Result<Option<Principal>> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let query = Query::select()
        .column((user::Entity, user::Column::Status))
        .column((role::Entity, role::Column::Name))
        .from(user::Entity)
        .left_join(
            user_role::Entity,
            Expr::col((user_role::Entity, user_role::Column::UserId))
                .equals((user::Entity, user::Column::Id)),
        )
        .left_join(
            role::Entity,
            Expr::col((role::Entity, role::Column::Id))
                .equals((user_role::Entity, user_role::Column::RoleId)),
        )
        .and_where(Expr::col((user::Entity, user::Column::Id)).eq(user_id))
        .to_owned();
    let rows = db.query_all(&query).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let status: UserStatus = first.try_get("", "status")?;
    if status != UserStatus::Active {
        return Ok(None);
    }
    let mut admin = false;
    for row in &rows {
        let name: Option<String> = row.try_get("", "name")?;
        admin |= name.as_deref() == Some(roles::ADMIN);
    }
    Ok(Some(Principal { user_id, admin }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        let matches = |hash: &str, password: &str| password_matches(hash.into(), password.into());
        assert!(matches(&hash, "correct horse").await.unwrap());
        assert!(!matches(&hash, "wrong horse").await.unwrap());
        assert!(!matches(DECOY_HASH, "anything").await.unwrap());
        assert!(
            PasswordHash::new(DECOY_HASH).is_ok(),
            "the decoy must parse to cost the same"
        );
    }

    #[test]
    fn password_length_is_bounded() {
        assert!(check_password("short").is_err());
        assert!(check_password("long enough").is_ok());
        assert!(check_password(&"x".repeat(129)).is_err());
    }
}
