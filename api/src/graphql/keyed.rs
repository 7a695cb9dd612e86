//! A request's `Idempotency-Key`, as the one mutation field it serves sees it. The HTTP route
//! claims the key (`service::idempotency::Keys::claim`) and puts what it found in the
//! request's data; the field records the key with its write, or answers again from what an
//! earlier run of the same request wrote.

use async_graphql::Context;
use service::idempotency::{Attempt, Outcome};

/// Root mutation fields that take a key from a signed-in caller: each records it in its own
/// write's transaction and can answer again from the ids it recorded.
pub const KEYED_FIELDS: &[&str] = &[
    "createOrder",
    "updateOrderStatus",
    "cancelOrder",
    "transferPoints",
    "redeemPoints",
    "adjustPoints",
    "upsertProduct",
    "upsertProducts",
    "signup",
    "login",
];

/// Root mutation fields that take a key sent without a token.
pub const ANONYMOUS_KEYED_FIELDS: &[&str] = &["signup", "login"];

/// What the HTTP route found for the request's key.
pub enum Keyed {
    /// A new key: the field records it with its write.
    Fresh(Attempt),
    /// The same request wrote before and its answer was lost: the field answers from these
    /// ids and writes nothing.
    Recover(Outcome),
}

/// The key the field's write records, if the request is a first run with one.
pub fn attempt<'a>(ctx: &'a Context<'_>) -> Option<&'a Attempt> {
    match ctx.data_opt::<Keyed>() {
        Some(Keyed::Fresh(attempt)) => Some(attempt),
        _ => None,
    }
}

/// What an earlier run of this request wrote, if the field is to answer from it.
pub fn recovered<'a>(ctx: &'a Context<'_>) -> Option<&'a Outcome> {
    match ctx.data_opt::<Keyed>() {
        Some(Keyed::Recover(outcome)) => Some(outcome),
        _ => None,
    }
}
