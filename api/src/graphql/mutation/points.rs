//! `transferPoints`, `redeemPoints`, `adjustPoints`.

use crate::graphql::args::parse_id;
use crate::graphql::error::GqlResult;
use crate::graphql::types::User;
use async_graphql::{Context, ID, Object, SimpleObject};
use service::{DatabaseConnection, points};

/// Both sides of a transfer, after it.
#[derive(SimpleObject)]
pub struct PointTransfer {
    pub from: User,
    pub to: User,
}

#[derive(Default)]
pub struct PointsMutation;

#[Object]
impl PointsMutation {
    /// Moves points from one user to another in one transaction (a transfer_out and a
    /// transfer_in row). Not enough points → INSUFFICIENT_POINTS with `available`; nothing
    /// changes.
    async fn transfer_points(
        &self,
        ctx: &Context<'_>,
        from_user_id: ID,
        to_user_id: ID,
        points: i64,
    ) -> async_graphql::Result<PointTransfer> {
        let from = parse_id("fromUserId", &from_user_id)?;
        let to = parse_id("toUserId", &to_user_id)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let (from, to) = points::transfer(db, from, to, points).await.gql()?;
        Ok(PointTransfer { from: User(from), to: User(to) })
    }

    /// Spends points (one redeem row). Not enough → INSUFFICIENT_POINTS; nothing changes.
    async fn redeem_points(&self, ctx: &Context<'_>, user_id: ID, points: i64) -> async_graphql::Result<User> {
        let id = parse_id("userId", &user_id)?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(User(points::redeem(db, id, points).await.gql()?))
    }

    /// A staff correction of a balance (an adjust row): positive adds, negative takes, never
    /// below zero. Does not count towards the tier.
    async fn adjust_points(&self, ctx: &Context<'_>, user_id: ID, points: i64) -> async_graphql::Result<User> {
        let id = parse_id("userId", &user_id)?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(User(points::adjust(db, id, points).await.gql()?))
    }
}
