//! GraphQL object types. Each wraps a service model; relations resolve through DataLoaders.

pub mod enums;
pub mod node;
pub mod order;
pub mod point;
pub mod post;
pub mod product;
pub mod role;
pub mod safe_int;
pub mod user;

pub use node::Node;
pub use order::{Lookups, Order, OrderItem};
pub use point::PointTransaction;
pub use post::Post;
pub use product::Product;
pub use role::Role;
pub use safe_int::SafeInt;
pub use user::User;

use crate::graphql::engine::json::{write_int, write_str};

/// A text column's JSON, for [`crate::graphql::engine::direct::WrittenFields`]: false, with
/// nothing written, when it was not read (its resolver answers that).
fn write_text(out: &mut Vec<u8>, value: Option<&str>) -> bool {
    value.map(|text| write_str(out, text)).is_some()
}

/// An `Int` column's JSON, as [`write_text`].
fn write_i32(out: &mut Vec<u8>, value: Option<i32>) -> bool {
    value.map(|n| write_int(out, n.into())).is_some()
}

/// A `SafeInt` amount's JSON, as [`write_text`]; false as well when it is outside the scalar's
/// range (its resolver answers OUT_OF_RANGE).
fn write_amount(out: &mut Vec<u8>, value: Option<i64>) -> bool {
    value
        .filter(|n| SafeInt::of(*n).is_ok())
        .map(|n| write_int(out, n))
        .is_some()
}
