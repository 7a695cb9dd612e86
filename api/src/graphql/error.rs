//! The one place where service errors become GraphQL errors with a stable `extensions.code`.

use crate::graphql::args::Kind;
use async_graphql::{Error, ErrorExtensions};
use std::sync::Arc;

/// Declares [`ErrorCode`], the schema's enum of every `extensions.code`, and a `&str` constant
/// in [`code`] for each, so a code cannot be raised without being documented in the schema.
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])+ $name:ident => $variant:ident,)+) => {
        /// Every value `extensions.code` can take on an error shopgraph answers. Match on the
        /// code, never on the message; the extra extensions each code carries are listed with
        /// it.
        #[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
        #[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
        pub enum ErrorCode {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl ErrorCode {
            /// Every code, in the order the schema lists them.
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant,)+];

            /// The code as it appears in `extensions.code`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => stringify!($name),)+
                }
            }
        }

        /// Codes clients can match on, as strings.
        pub mod code {
            $(pub const $name: &str = stringify!($name);)+
        }
    };
}

error_codes! {
    /// Not signed in (or a token that expired, or an account that was deactivated), or a wrong
    /// email or password at `login`.
    UNAUTHENTICATED => Unauthenticated,
    /// Signed in, but this caller may not do this (another user's private data, an admin-only
    /// field).
    FORBIDDEN => Forbidden,
    /// An argument or input field is outside its domain: email shape, empty or too long text,
    /// a number out of range, a page size, a cursor or an id that is malformed or names the
    /// wrong type. `field` names the input at fault.
    BAD_USER_INPUT => BadUserInput,
    /// A mutation names a row that does not exist. `entity` and `id` say which.
    NOT_FOUND => NotFound,
    /// The write clashes with existing data: a taken email, sku or slug, deleting a user who
    /// has orders, a product that was ordered or an order that was paid. `field` names the
    /// input at fault when there is one.
    CONFLICT => Conflict,
    /// Not enough units left for an order line. `productId`, `requested` and `available`.
    OUT_OF_STOCK => OutOfStock,
    /// An order status change the life cycle does not allow. `from` and `to`.
    INVALID_TRANSITION => InvalidTransition,
    /// A transfer, redemption or correction larger than the balance. `available` and
    /// `requested`.
    INSUFFICIENT_POINTS => InsufficientPoints,
    /// The disk (or the SQLite file's size cap) has no room for the write; nothing of it was
    /// kept. `retryAfter` in seconds. HTTP 507 when nothing else was answered.
    STORAGE_FULL => StorageFull,
    /// The database cannot serve now: a dropped connection, a restart, contention past its
    /// retries, no free connection. `retryAfter` in seconds and, for writes, `outcome`:
    /// `NOT_APPLIED` (nothing was written; send it again), `UNKNOWN` (the connection broke
    /// during the commit; check before resending) or `APPLIED` (committed; only reading the
    /// result back failed). HTTP 503 when nothing else was answered and nothing was applied.
    UNAVAILABLE => Unavailable,
    /// Too many sign-in attempts on one account or from one address, or too many requests
    /// from one address when that limit is on. `retryAfter` in seconds; HTTP 429.
    RATE_LIMITED => RateLimited,
    /// A stored amount does not fit `SafeInt` (only data from before the bounds could).
    OUT_OF_RANGE => OutOfRange,
    /// The document is not valid GraphQL syntax, or nests deeper than the parser allows.
    /// HTTP 400 for `application/graphql-response+json` clients.
    GRAPHQL_PARSE_FAILED => GraphqlParseFailed,
    /// The document does not fit the schema (an unknown field, a wrong argument type, a
    /// missing variable). HTTP 400 for `application/graphql-response+json` clients.
    GRAPHQL_VALIDATION_FAILED => GraphqlValidationFailed,
    /// The selection nests deeper than `SHOPGRAPH_MAX_DEPTH` (introspection aside). HTTP 400.
    QUERY_TOO_DEEP => QueryTooDeep,
    /// The query's cost is above `SHOPGRAPH_MAX_COMPLEXITY`, or it has more selections than
    /// `SHOPGRAPH_MAX_SELECTIONS` once fragments are expanded. `cost` with `requested` and
    /// `limit`. HTTP 400.
    QUERY_TOO_COMPLEX => QueryTooComplex,
    /// The query text is longer than `SHOPGRAPH_MAX_QUERY_BYTES`. HTTP 400.
    QUERY_TOO_LARGE => QueryTooLarge,
    /// A persisted query's hash is not (or no longer) known: send the query text with it.
    PERSISTED_QUERY_NOT_FOUND => PersistedQueryNotFound,
    /// The HTTP request is malformed: not JSON, no query, a bad `extensions` entry.
    BAD_REQUEST => BadRequest,
    /// A mutation over `GET`, or a method `/graphql` does not serve. HTTP 405 with `Allow`.
    METHOD_NOT_ALLOWED => MethodNotAllowed,
    /// The request body is larger than `SHOPGRAPH_MAX_BODY_BYTES`. HTTP 413.
    PAYLOAD_TOO_LARGE => PayloadTooLarge,
    /// The request body did not arrive within its time limit. HTTP 408.
    REQUEST_TIMEOUT => RequestTimeout,
    /// The body is not `application/json`. HTTP 415.
    UNSUPPORTED_MEDIA_TYPE => UnsupportedMediaType,
    /// The request did not finish within `SHOPGRAPH_REQUEST_TIMEOUT_MS`; nothing of it was
    /// kept. HTTP 504.
    TIMEOUT => Timeout,
    /// A WebSocket connection asked for more subscriptions than `SHOPGRAPH_WS_MAX_SUBSCRIPTIONS`.
    /// `limit`.
    TOO_MANY_SUBSCRIPTIONS => TooManySubscriptions,
    /// Anything unexpected: logged with detail on the server, shown without SQL or internals.
    INTERNAL => Internal,
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
        E::NotFound { entity, id } => {
            // Named as the client names it: the GraphQL type and the global id.
            let kind = node_kind(entity);
            let (entity, id) = match (kind, id.parse::<i32>()) {
                (Some(kind), Ok(row)) => (
                    crate::graphql::args::name(kind).to_owned(),
                    crate::graphql::args::global_id(kind, row).0,
                ),
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
            let product = crate::graphql::args::global_id(Kind::Product, *product_id).0;
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
