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
    pub const INTERNAL: &str = "INTERNAL";
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
        E::Database(_) | E::Migration { .. } | E::Io(_) | E::Backup(_) => {
            tracing::error!(error = %err, debug = ?err, "unexpected error while serving a request");
            internal()
        }
    }
}

/// An INTERNAL error with nothing in it a client could learn the schema or SQL from.
pub fn internal() -> Error {
    Error::new("internal error").extend_with(|_, e| e.set("code", code::INTERNAL))
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
