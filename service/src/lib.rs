//! shopgraph's business rules and every database query, in three rooms:
//!
//! - [`domain`]: the rules — who may do what ([`access::Viewer`]), accounts, the catalog,
//!   posts, orders, loyalty points and roles — and the lookups and lists the API serves;
//! - `store` (private to this crate): how the rules reach the database — the pool and the
//!   write lane, retries, keyset pagination, filters turned into SQL, partial rows;
//! - [`ops`]: what an operator does to a database — opening and migrating it, backups,
//!   checks, demo data.
//!
//! The API layer calls these functions and never touches the ORM itself. Functions that must be
//! atomic open their own transaction; helpers take `&impl ConnectionTrait` so they work inside
//! or outside one.

pub mod domain;
pub mod error;
pub mod ops;
mod store;

pub use domain::{
    access, auth, clock, events, idempotency, list, loyalty, nodes, orders, points, posts,
    products, roles, rows, users, validate,
};
pub use entity::{
    OrderStatus, PointKind, PostStatus, Tier, UserStatus, order, order_item, point_transaction,
    post, product, role, user,
};
pub use error::{Error, Result};
pub use sea_orm::DatabaseConnection;
