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
pub use order::{Order, OrderItem};
pub use point::PointTransaction;
pub use post::Post;
pub use product::Product;
pub use role::Role;
pub use safe_int::SafeInt;
pub use user::User;
