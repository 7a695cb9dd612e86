//! The one place where service errors become GraphQL errors with a stable `extensions.code`.

use async_graphql::{Error, ErrorExtensions};
use std::sync::Arc;

/// Codes clients can match on.
pub mod code {
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const CONFLICT: &str = "CONFLICT";
    pub const OUT_OF_STOCK: &str = "OUT_OF_STOCK";
    pub const INVALID_TRANSITION: &str = "INVALID_TRANSITION";
    pub const INSUFFICIENT_POINTS: &str = "INSUFFICIENT_POINTS";
    /// No room to store the write; nothing of it was kept (HTTP 507 when nothing else was
    /// answered). Retry after `extensions.retryAfter` seconds.
    pub const STORAGE_FULL: &str = "STORAGE_FULL";
    /// The database cannot serve now (a lost connection, a restart, contention);
    /// `extensions.outcome` says what became of the write (see [`super::outcome`]; HTTP 503
    /// when nothing else was answered and nothing was applied). Retry after
    /// `extensions.retryAfter` seconds.
    pub const UNAVAILABLE: &str = "UNAVAILABLE";
    /// Too many attempts (sign-ins) or requests from one caller; retry after
    /// `extensions.retryAfter` seconds (HTTP 429 when nothing else was answered).
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// A stored amount does not fit the scalar that serves it (kept from before its bounds).
    pub const OUT_OF_RANGE: &str = "OUT_OF_RANGE";
    pub const INTERNAL: &str = "INTERNAL";
}

/// What became of a write that met UNAVAILABLE (`extensions.outcome`).
pub mod outcome {
    /// Nothing was written: the request may be sent again as it is.
    pub const NOT_APPLIED: &str = "NOT_APPLIED";
    /// The connection broke while the commit was on its way: it may have happened.
    pub const UNKNOWN: &str = "UNKNOWN";
    /// The mutation's write was committed; reading its result back failed.
    pub const APPLIED: &str = "APPLIED";
}

/// Seconds a client should wait before trying again after `err`, for errors worth retrying.
pub fn retry_after(err: &service::Error) -> Option<u32> {
    use service::db::fault::Unavailable as U;
    match err {
        // Space comes back when someone frees it: not within a second.
        service::Error::StorageFull(_) => Some(30),
        service::Error::Unavailable { reason, .. } => Some(match reason {
            U::Contention | U::ConnectionLost => 1,
            U::Overloaded | U::Timeout => 2,
            U::Restarting | U::StorageError => 5,
        }),
        _ => None,
    }
}

/// Converts a service error. Unexpected ones are logged with their cause and shown to the
/// client as INTERNAL without SQL or other internals.
pub fn to_graphql(err: &service::Error) -> Error {
    use service::Error as E;
    match err {
        E::NotFound { entity, id } => Error::new(err.to_string()).extend_with(|_, e| {
            e.set("code", code::NOT_FOUND);
            e.set("entity", *entity);
            e.set("id", id.as_str());
        }),
        E::Invalid { field, .. } => bad_input(field, err.to_string()),
        E::Conflict { field, .. } => Error::new(err.to_string()).extend_with(|_, e| {
            e.set("code", code::CONFLICT);
            e.set("field", field.as_str());
        }),
        E::OutOfStock {
            product_id,
            requested,
            available,
        } => Error::new(err.to_string()).extend_with(|_, e| {
            e.set("code", code::OUT_OF_STOCK);
            e.set("productId", product_id.to_string());
            e.set("requested", *requested);
            e.set("available", *available);
        }),
        E::Unauthenticated(_) => unauthenticated(err.to_string()),
        E::Forbidden(_) => {
            Error::new(err.to_string()).extend_with(|_, e| e.set("code", code::FORBIDDEN))
        }
        E::InvalidTransition { from, to } => Error::new(err.to_string()).extend_with(|_, e| {
            e.set("code", code::INVALID_TRANSITION);
            e.set("from", from.as_str());
            e.set("to", to.as_str());
        }),
        E::InsufficientPoints {
            available,
            requested,
        } => Error::new(err.to_string()).extend_with(|_, e| {
            e.set("code", code::INSUFFICIENT_POINTS);
            e.set("available", *available);
            e.set("requested", *requested);
        }),
        E::StorageFull(cause) => {
            // The database's health logs the episode once; this is one refused write of it.
            tracing::debug!(error = %cause, "write refused: storage full");
            Error::new(
                "there is no room left to store this write; nothing of it was kept. Try again later",
            )
            .extend_with(|_, e| {
                e.set("code", code::STORAGE_FULL);
                e.set("retryAfter", retry_after(err).unwrap_or(30));
            })
        }
        E::Unavailable {
            reason,
            outcome_unknown,
            cause,
        } => {
            unavailable_logged(reason.describe(), cause);
            let message = if *outcome_unknown {
                format!(
                    "{}; the write may or may not have been applied. Check before trying again",
                    reason.describe()
                )
            } else {
                format!("{}; nothing was written. Try again", reason.describe())
            };
            Error::new(message).extend_with(|_, e| {
                e.set("code", code::UNAVAILABLE);
                e.set("retryAfter", retry_after(err).unwrap_or(1));
                e.set(
                    "outcome",
                    if *outcome_unknown {
                        outcome::UNKNOWN
                    } else {
                        outcome::NOT_APPLIED
                    },
                );
            })
        }
        E::Database(_) | E::Migration { .. } | E::Io(_) | E::Backup(_) => {
            tracing::error!(error = %err, debug = ?err, "unexpected error while serving a request");
            internal()
        }
    }
}

/// Logs an unavailable database at most every few seconds, with how many were not logged: a
/// database that restarts under load fails every request in flight, and one line says it.
fn unavailable_logged(what: &str, cause: &dyn std::fmt::Display) {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, Instant};
    static EPOCH: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);
    static LAST_MS: AtomicU64 = AtomicU64::new(0);
    static QUIET: AtomicU64 = AtomicU64::new(0);
    const EVERY: Duration = Duration::from_secs(5);
    let now = EPOCH.elapsed().as_millis() as u64 + EVERY.as_millis() as u64;
    let last = LAST_MS.load(Ordering::Relaxed);
    if now.saturating_sub(last) >= EVERY.as_millis() as u64
        && LAST_MS
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        let not_logged = QUIET.swap(0, Ordering::Relaxed);
        tracing::warn!(error = %cause, not_logged, "{what}: answered UNAVAILABLE");
    } else {
        QUIET.fetch_add(1, Ordering::Relaxed);
    }
}

/// Corrects, in a mutation's response, the UNAVAILABLE errors met below a root field: a root
/// field's selection is resolved only once its write has committed, so what failed there was
/// a read of the result, and the write is APPLIED. Told NOT_APPLIED, a client would send it
/// again and, say, place the order twice.
pub fn after_commit(errors: &mut [async_graphql::ServerError]) {
    for error in errors.iter_mut().filter(|e| e.path.len() > 1) {
        let Some(extensions) = error.extensions.as_mut() else {
            continue;
        };
        let unavailable = extensions.get("code") == Some(&code::UNAVAILABLE.into());
        if unavailable && extensions.get("outcome") == Some(&outcome::NOT_APPLIED.into()) {
            extensions.set("outcome", outcome::APPLIED);
            error.message = "the write was applied, but reading its result back failed; \
                             query it again rather than repeating the write"
                .to_owned();
        }
    }
}

/// An INTERNAL error with nothing in it a client could learn the schema or SQL from.
pub fn internal() -> Error {
    Error::new("internal error").extend_with(|_, e| e.set("code", code::INTERNAL))
}

/// RATE_LIMITED, to try again after `wait`.
pub fn rate_limited(what: &str, wait: std::time::Duration) -> Error {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    Error::new(format!("{what}; try again in {seconds} s")).extend_with(move |_, e| {
        e.set("code", code::RATE_LIMITED);
        e.set("retryAfter", seconds);
    })
}

/// Why a request's credentials could not be checked: UNAUTHENTICATED when they are wrong,
/// the service's own code when the check itself failed (a database that is unavailable must
/// not sign a client out).
pub fn auth_error(err: &crate::auth::AuthError) -> Error {
    match err {
        crate::auth::AuthError::Service(service) => to_graphql(service),
        other => unauthenticated(other.to_string()),
    }
}

/// `error` as a response error raised before execution: no path, and no location (it points
/// at no place in the document).
pub fn request_error(error: Error) -> async_graphql::ServerError {
    async_graphql::ServerError {
        message: error.message,
        source: error.source,
        locations: Vec::new(),
        path: Vec::new(),
        extensions: error.extensions,
    }
}

/// An UNAUTHENTICATED error.
pub fn unauthenticated(message: impl Into<String>) -> Error {
    Error::new(message).extend_with(|_, e| e.set("code", code::UNAUTHENTICATED))
}

/// A BAD_USER_INPUT error naming the input field at fault.
pub fn bad_input(field: &str, message: impl Into<String>) -> Error {
    Error::new(message).extend_with(|_, e| {
        e.set("code", code::BAD_USER_INPUT);
        e.set("field", field);
    })
}

/// `.gql()` on service results, so `?` never falls back to async-graphql's blanket
/// `Display` conversion, which would drop the code.
pub trait GqlResult<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GqlResult<T> for Result<T, service::Error> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| to_graphql(&e))
    }
}

impl<T> GqlResult<T> for Result<T, Arc<service::Error>> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| to_graphql(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{PathSegment, ServerError};

    fn unavailable(path: &[&str], outcome: &str) -> ServerError {
        let mut error = ServerError::new("the connection to the database was lost", None);
        error.path = path
            .iter()
            .map(|p| PathSegment::Field((*p).into()))
            .collect();
        let extensions = error.extensions.get_or_insert_with(Default::default);
        extensions.set("code", code::UNAVAILABLE);
        extensions.set("outcome", outcome);
        error
    }

    fn outcome_of(error: &ServerError) -> &async_graphql::Value {
        error.extensions.as_ref().unwrap().get("outcome").unwrap()
    }

    #[test]
    fn a_read_below_a_mutation_field_reports_the_write_applied() {
        let mut errors = vec![
            unavailable(&["createOrder", "customer"], outcome::NOT_APPLIED),
            // The root field itself: its write did not happen.
            unavailable(&["createOrder"], outcome::NOT_APPLIED),
            // The commit broke: still unknown.
            unavailable(&["other", "id"], outcome::UNKNOWN),
        ];
        after_commit(&mut errors);
        assert_eq!(*outcome_of(&errors[0]), outcome::APPLIED.into());
        assert!(errors[0].message.contains("applied"));
        assert_eq!(*outcome_of(&errors[1]), outcome::NOT_APPLIED.into());
        assert_eq!(*outcome_of(&errors[2]), outcome::UNKNOWN.into());
    }
}
