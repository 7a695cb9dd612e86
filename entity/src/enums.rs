//! Enumerations stored as short lowercase strings (readable in both SQLite and PostgreSQL,
//! and guarded by CHECK constraints in the migrations).

use sea_orm::entity::prelude::*;

/// Whether a user account may be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum UserStatus {
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "inactive")]
    Inactive,
}

/// Loyalty tier, derived from lifetime earned points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Tier {
    #[sea_orm(string_value = "bronze")]
    Bronze,
    #[sea_orm(string_value = "silver")]
    Silver,
    #[sea_orm(string_value = "gold")]
    Gold,
    #[sea_orm(string_value = "platinum")]
    Platinum,
}

/// Publication state of a post.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PostStatus {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "published")]
    Published,
}

/// Life cycle of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum OrderStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "paid")]
    Paid,
    #[sea_orm(string_value = "shipped")]
    Shipped,
    #[sea_orm(string_value = "delivered")]
    Delivered,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

/// What moved points in or out of a balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PointKind {
    #[sea_orm(string_value = "earn")]
    Earn,
    #[sea_orm(string_value = "redeem")]
    Redeem,
    #[sea_orm(string_value = "transfer_in")]
    TransferIn,
    #[sea_orm(string_value = "transfer_out")]
    TransferOut,
    #[sea_orm(string_value = "adjust")]
    Adjust,
}
