//! Authentication at the edge: signed tokens and turning a request's credentials into the
//! [`Viewer`](service::access::Viewer) every resolver checks against.

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
    #[error("{0}")]
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
            if let Some((principal, at)) = entries.get(&user_id) {
                if at.elapsed() < self.ttl {
                    return Ok(principal.clone());
                }
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
    let Some(value) = authorization else {
        return Ok(Viewer::ANONYMOUS);
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(AuthError::MalformedHeader)?;
    let user_id = keys.verify(token)?;
    let principal = cache
        .principal(db, user_id)
        .await?
        .ok_or(AuthError::UnknownAccount)?;
    Ok(Viewer::user(principal.user_id, principal.admin))
}
