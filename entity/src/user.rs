//! `users`: customers and staff, with their loyalty card and balance.

use crate::enums::{Tier, UserStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub email: String,
    pub name: String,
    pub status: UserStatus,
    #[sea_orm(unique)]
    pub card_number: String,
    pub points_balance: i64,
    pub tier: Tier,
    /// Points earned over the account's life (net of cancelled orders); decides the tier.
    pub lifetime_points: i64,
    /// argon2id PHC string; never leaves the service layer.
    pub password_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
