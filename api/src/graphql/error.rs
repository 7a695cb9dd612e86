//! The one place where service errors become GraphQL errors with a stable `extensions.code`.

pub use super::engine::codes::{ErrorCode, code, outcome};
use crate::graphql::global_id::{Kind, global_id, name};
use async_graphql::{Error, ErrorExtensions};
use service::access::Refused;
use std::sync::Arc;

/// Seconds a client should wait before trying again after `err`, for errors worth retrying.
pub fn retry_after(err: &service::Error) -> Option<u32> {
    use service::ops::database::Unavailable as U;
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
        E::NotFound { entity, id } => {
            // Named as the client names it: the GraphQL type and the global id.
            let kind = node_kind(entity);
            let (entity, id) = match (kind, id.parse::<i32>()) {
                (Some(kind), Ok(row)) => (name(kind).to_owned(), global_id(kind, row).0),
                _ => ((*entity).to_owned(), id.clone()),
            };
            Error::new(format!("no {entity} with id {id}")).extend_with(move |_, e| {
                e.set("code", code::NOT_FOUND);
                e.set("entity", entity.as_str());
                e.set("id", id.as_str());
            })
        }
        E::Invalid { field, .. } => bad_input(field, err.to_string()),
        E::Conflict { field, .. } => Error::new(err.to_string()).extend_with(|_, e| {
            e.set("code", code::CONFLICT);
            e.set("field", field.as_str());
        }),
        E::OutOfStock {
            product_id,
            requested,
            available,
        } => {
            let product = global_id(Kind::Product, *product_id).0;
            Error::new(format!(
                "product {product} has {available} in stock, {requested} requested"
            ))
            .extend_with(move |_, e| {
                e.set("code", code::OUT_OF_STOCK);
                e.set("productId", product.as_str());
                e.set("requested", *requested);
                e.set("available", *available);
            })
        }
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
        E::Database(_)
        | E::Migration { .. }
        | E::MigrationBrokeConstraints { .. }
        | E::Io { .. }
        | E::Backup(_)
        | E::Invariant { .. }
        | E::Task(_)
        | E::Internal { .. } => unexpected(err),
    }
}

/// An error nobody should meet: logged with its whole chain, answered as INTERNAL.
pub fn unexpected(err: &(dyn std::error::Error + 'static)) -> Error {
    tracing::error!(error = %service::error::Chain(err), debug = ?err, "unexpected error while serving a request");
    internal()
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

/// The kind of row a service error's `entity` names.
fn node_kind(entity: &str) -> Option<Kind> {
    Some(match entity {
        "user" => Kind::User,
        "post" => Kind::Post,
        "product" => Kind::Product,
        "order" => Kind::Order,
        _ => return None,
    })
}

/// A nullable field's answer: an error becomes null at the field's own path, recorded in the
/// response's errors, as GraphQL's "Handling Field Errors" says. async-graphql 7.0 would pass a
/// resolver's error up to the nearest nullable *parent*, so a refused private field would
/// null the whole object around it.
pub fn null_on_error<T>(
    ctx: &async_graphql::Context<'_>,
    result: async_graphql::Result<Option<T>>,
) -> Option<T> {
    match result {
        Ok(value) => value,
        Err(err) => {
            ctx.add_error(ctx.set_error_path(err.into_server_error(ctx.item.pos)));
            None
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

/// A service function that read the API's arguments after its rule: a refusal is coded as
/// any service error, an argument that could not be read keeps the error it was read with.
impl<T> GqlResult<T> for Result<T, Refused<Error>> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|refused| match refused {
            Refused::Service(e) => to_graphql(&e),
            Refused::Input(e) => e,
        })
    }
}

impl<T> GqlResult<T> for Result<T, Refused<&Error>> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|refused| match refused {
            Refused::Service(e) => to_graphql(&e),
            Refused::Input(e) => e.clone(),
        })
    }
}
