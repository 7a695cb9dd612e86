//! GraphQL enums mirroring the stored ones (converted both ways by `remote`).

use async_graphql::Enum;

/// Whether an account may be used.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "service::UserStatus")]
pub enum UserStatus {
    Active,
    Inactive,
}

/// Loyalty tier, earned through lifetime points.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "service::Tier")]
pub enum Tier {
    Bronze,
    Silver,
    Gold,
    Platinum,
}

/// Publication state of a post.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "service::PostStatus")]
pub enum PostStatus {
    Draft,
    Published,
}

/// Life cycle of an order: PENDING → PAID → SHIPPED → DELIVERED, or CANCELLED.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "service::OrderStatus")]
pub enum OrderStatus {
    Pending,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
}

/// What moved loyalty points.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "service::PointKind")]
pub enum PointKind {
    Earn,
    Redeem,
    TransferIn,
    TransferOut,
    Adjust,
}
