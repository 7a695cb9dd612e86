//! Authentication at the edge: signed tokens and turning a request's credentials into the
//! [`Viewer`](service::access::Viewer) that resolvers hand to the service, which applies every
//! rule.

pub mod throttle;
pub mod token;

use lru::LruCache;
use service::DatabaseConnection;
use service::access::Viewer;
use service::auth::Principal;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use token::TokenKeys;

/// Why credentials were refused (all answered as UNAUTHENTICATED).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the Authorization header must be `Bearer <token>`")]
    MalformedHeader,
    #[error(transparent)]
    Token(#[from] token::TokenError),
    #[error("the account of this token no longer exists or is inactive")]
    UnknownAccount,
    #[error(transparent)]
    Service(#[from] service::Error),
}

/// Remembers accounts' principals for a few seconds, so an authenticated request does not pay
/// a database round trip for its credentials every time.
pub struct PrincipalCache {
    ttl: Duration,
    entries: Mutex<LruCache<i32, (Option<Principal>, Instant)>>,
}

impl PrincipalCache {
    /// A cache of up to `capacity` accounts, each kept for `ttl` (zero disables it).
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity.max(1)).unwrap_or(NonZeroUsize::MIN);
        Self {
            ttl,
            entries: Mutex::new(LruCache::new(capacity)),
        }
    }

    async fn principal(
        &self,
        db: &DatabaseConnection,
        user_id: i32,
    ) -> Result<Option<Principal>, AuthError> {
        if !self.ttl.is_zero() {
            let mut entries = self
                .entries
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some((principal, at)) = entries.get(&user_id)
                && at.elapsed() < self.ttl
            {
                return Ok(principal.clone());
            }
        }
        let principal = service::auth::principal(db, user_id).await?;
        if !self.ttl.is_zero() {
            let mut entries = self
                .entries
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            entries.put(user_id, (principal.clone(), Instant::now()));
        }
        Ok(principal)
    }
}

/// The caller for an optional `Authorization` value (`Bearer <token>`).
pub async fn viewer_for(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    cache: &PrincipalCache,
    authorization: Option<&str>,
) -> Result<Viewer, AuthError> {
    Ok(credentials_for(db, keys, cache, authorization)
        .await?
        .viewer)
}

/// A caller and how long their credentials hold: what a long-lived connection keeps and
/// checks again ([`Credentials::still_hold`]).
#[derive(Clone, Copy, Debug)]
pub struct Credentials {
    pub viewer: Viewer,
    /// When the token expires (seconds since the epoch); `None` for an anonymous caller.
    pub expires_at: Option<u64>,
}

/// The credentials an optional `Authorization` value carries (`Bearer <token>`; the scheme is
/// case-insensitive, RFC 9110 §11.1).
pub async fn credentials_for(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    cache: &PrincipalCache,
    authorization: Option<&str>,
) -> Result<Credentials, AuthError> {
    let Some(value) = authorization else {
        return Ok(Credentials {
            viewer: Viewer::ANONYMOUS,
            expires_at: None,
        });
    };
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or(AuthError::MalformedHeader)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(AuthError::MalformedHeader);
    }
    let (user_id, expires_at) = keys.verify_until(token)?;
    let principal = cache
        .principal(db, user_id)
        .await?
        .ok_or(AuthError::UnknownAccount)?;
    Ok(Credentials {
        viewer: Viewer::user(principal.user_id, principal.admin),
        expires_at: Some(expires_at),
    })
}

impl Credentials {
    /// Whether the rights these credentials started with still hold: the token has not expired,
    /// the account is still there and active, and an admin is still an admin (as the
    /// principal cache sees it, so within its few seconds). An anonymous caller has nothing
    /// to lose.
    pub async fn still_hold(
        &self,
        db: &DatabaseConnection,
        cache: &PrincipalCache,
    ) -> Result<bool, AuthError> {
        let (Some(user_id), Some(expires_at)) = (self.viewer.user_id, self.expires_at) else {
            return Ok(true);
        };
        if chrono::Utc::now().timestamp() >= expires_at as i64 {
            return Ok(false);
        }
        Ok(match cache.principal(db, user_id).await? {
            None => false,
            Some(principal) => principal.admin || !self.viewer.admin,
        })
    }
}
