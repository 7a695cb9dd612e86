//! Relay's `Node`: every entity type, found again by its global id alone.

use super::{Order, OrderItem, PointTransaction, Post, Product, Role, User};
use async_graphql::{ID, Interface};

/// An object with a global id: `node(id:)` finds it again by that id alone (Relay's Global
/// Object Identification), so clients can refetch and normalise any of them.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "The object's global id: opaque, unique across every type, and stable."
))]
pub enum Node {
    User(User),
    Post(Post),
    Product(Product),
    Order(Order),
    OrderItem(OrderItem),
    PointTransaction(PointTransaction),
    Role(Role),
}

impl From<service::nodes::Node> for Node {
    fn from(node: service::nodes::Node) -> Self {
        use service::nodes::Node as N;
        match node {
            N::User(row) => Self::User(User::from(row)),
            N::Post(row) => Self::Post(Post::from(row)),
            N::Product(row) => Self::Product(Product::from(row)),
            N::Order(row) => Self::Order(Order::from(row)),
            N::OrderItem(row) => Self::OrderItem(OrderItem::from(row)),
            N::PointTransaction(row) => Self::PointTransaction(PointTransaction(row)),
            N::Role(row) => Self::Role(Role(row)),
        }
    }
}
