//! GraphQL enums mirroring the stored ones (converted both ways by `remote`).

use async_graphql::Enum;

/// Whether an account may be used.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "service::UserStatus")]
pub enum UserStatus {
    /// The account may sign in and act.
    Active,
    /// The account is switched off: it cannot sign in, and its tokens and subscriptions stop
    /// working.
    Inactive,
}

/// Loyalty tier, earned through lifetime points.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "service::Tier")]
pub enum Tier {
    /// Below 1,000 lifetime points.
    Bronze,
    /// From 1,000 lifetime points.
    Silver,
    /// From 5,000 lifetime points.
    Gold,
    /// From 20,000 lifetime points.
    Platinum,
}

/// Publication state of a post.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "service::PostStatus")]
pub enum PostStatus {
    /// Not published yet: seen by its author and admins only.
    Draft,
    /// Published: seen by everyone.
    Published,
}

/// Life cycle of an order: PENDING → PAID → SHIPPED → DELIVERED, or CANCELLED.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "service::OrderStatus")]
pub enum OrderStatus {
    /// Placed, not paid yet; stock is taken.
    Pending,
    /// Paid, waiting to ship.
    Paid,
    /// On its way to the customer.
    Shipped,
    /// Arrived; final.
    Delivered,
    /// Cancelled from PENDING or PAID: stock came back and earned points were taken back;
    /// final.
    Cancelled,
}

/// What moved loyalty points.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "service::PointKind")]
pub enum PointKind {
    /// Earned by an order (or, negative, taken back when it was cancelled).
    Earn,
    /// Spent by the user (negative).
    Redeem,
    /// Received from another user.
    TransferIn,
    /// Sent to another user (negative).
    TransferOut,
    /// A staff correction, either sign; does not count towards the tier.
    Adjust,
}

/// The roles shopgraph knows.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleName {
    /// Shop staff: may do everything.
    Admin,
    /// A shopper: orders, posts and points of their own.
    Customer,
}

impl RoleName {
    /// The role's stored name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Admin => service::roles::ADMIN,
            Self::Customer => service::roles::CUSTOMER,
        }
    }

    /// The role stored as `name`, if shopgraph knows it.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Admin, Self::Customer]
            .into_iter()
            .find(|role| role.name() == name)
    }
}

/// How a backup file was written.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "service::ops::backup::Format")]
pub enum BackupFormat {
    /// A consistent copy of the SQLite file, taken while the server writes (SQLite only).
    Snapshot,
    /// Every table as JSON, with row counts and checksums; restores on either database.
    Json,
}
