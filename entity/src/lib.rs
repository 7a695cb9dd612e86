//! SeaORM entities of shopgraph: one module per table, plus the enums stored in them.
//!
//! This crate only describes tables. Every rule about what may be written lives in `service`,
//! and the GraphQL shapes live in `api`, so a column rename here never silently changes the
//! public schema.
//!
//! Each relation is declared on its owning side only (`belongs_to`, where the foreign key
//! is): the service never walks one the other way, and the tables' modules then never import
//! each other in a circle.

pub mod enums;
pub mod idempotency_key;
pub mod order;
pub mod order_item;
pub mod point_transaction;
pub mod post;
pub mod product;
pub mod role;
pub mod user;
pub mod user_role;

pub use enums::{OrderStatus, PointKind, PostStatus, Tier, UserStatus};
