//! shopgraph's business rules and every database query.
//!
//! The API layer calls these functions and never touches the ORM itself. Functions that must be
//! atomic open their own transaction; helpers take `&impl ConnectionTrait` so they work inside
//! or outside one.

pub mod access;
pub mod auth;
pub mod backup;
pub mod check;
pub mod clock;
pub mod db;
pub mod error;
pub mod events;
pub mod filter;
pub mod loyalty;
pub mod migrate;
pub mod nodes;
pub mod orders;
pub mod pagination;
pub mod points;
pub mod posts;
pub mod products;
pub mod projection;
pub mod roles;
pub mod seed;
pub mod users;
pub mod validate;

pub use entity::{
    OrderStatus, PointKind, PostStatus, Tier, UserStatus, order, order_item, point_transaction,
    post, product, role, user,
};
pub use error::{Error, Result};
pub use sea_orm::DatabaseConnection;
