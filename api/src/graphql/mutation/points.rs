//! `transferPoints`, `redeemPoints`, `adjustPoints`.

use crate::graphql::args::{Kind, parse_id};
use crate::graphql::error::GqlResult;
use crate::graphql::keyed;
use crate::graphql::types::User;
use crate::graphql::viewer::viewer;
use async_graphql::{Context, ID, Object, SimpleObject};
use service::{DatabaseConnection, points, users};

/// Both sides of a transfer, after it.
#[derive(SimpleObject)]
pub struct PointTransfer {
    /// The sender, with their new balance.
    pub from: User,
    /// The receiver (their private fields follow `User`'s rules).
    pub to: User,
}

fn optional_id(field: &str, id: Option<ID>) -> async_graphql::Result<Option<i32>> {
    id.as_ref()
        .map(|id| parse_id(field, Kind::User, id))
        .transpose()
}

#[derive(Default)]
pub struct PointsMutation;

#[Object]
impl PointsMutation {
    /// Moves points from one user (the caller when omitted; only admins move others') to
    /// another in one transaction (a transfer_out and a transfer_in row). Not enough points →
    /// INSUFFICIENT_POINTS with `available`; nothing changes.
    ///
    /// Takes an `Idempotency-Key` header: a retry with the same key and body gets the first
    /// response back (with `Idempotency-Replayed: true`) and writes nothing.
    async fn transfer_points(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Whose points move: the caller when omitted; only admins name someone else."
        )]
        from_user_id: Option<ID>,
        #[graphql(desc = "Who receives the points (not the sender).")] to_user_id: ID,
        #[graphql(desc = "1 to 1,000,000,000.")] points: i32,
    ) -> async_graphql::Result<PointTransfer> {
        let db = ctx.data::<DatabaseConnection>()?;
        if let Some(outcome) = keyed::recovered(ctx) {
            let (from, to) = (outcome.id(0).gql()?, outcome.id(1).gql()?);
            return Ok(PointTransfer {
                from: User::from(users::existing(db, from).await.gql()?),
                to: User::from(users::existing(db, to).await.gql()?),
            });
        }
        let from = optional_id("fromUserId", from_user_id)?;
        // Read here, refused (if malformed) only once the caller may move `from`'s points.
        let to = parse_id("toUserId", Kind::User, &to_user_id);
        let attempt = keyed::attempt(ctx);
        let (from, to) = points::transfer(db, &viewer(ctx), from, to, i64::from(points), attempt)
            .await
            .gql()?;
        Ok(PointTransfer {
            from: User::from(from),
            to: User::from(to),
        })
    }

    /// Spends points (one redeem row) of a user (the caller when omitted; admins for
    /// anyone). Not enough → INSUFFICIENT_POINTS; nothing changes.
    ///
    /// Takes an `Idempotency-Key` header: a retry with the same key and body gets the first
    /// response back (with `Idempotency-Replayed: true`) and writes nothing.
    async fn redeem_points(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Whose points are spent: the caller when omitted; only admins name someone else."
        )]
        user_id: Option<ID>,
        #[graphql(desc = "1 to 1,000,000,000.")] points: i32,
    ) -> async_graphql::Result<User> {
        let db = ctx.data::<DatabaseConnection>()?;
        if let Some(outcome) = keyed::recovered(ctx) {
            return Ok(User::from(
                users::existing(db, outcome.id(0).gql()?).await.gql()?,
            ));
        }
        let id = optional_id("userId", user_id)?;
        let attempt = keyed::attempt(ctx);
        Ok(User::from(
            points::redeem(db, &viewer(ctx), id, i64::from(points), attempt)
                .await
                .gql()?,
        ))
    }

    /// A staff correction of a balance (an adjust row): positive adds, negative takes, never
    /// below zero. Does not count towards the tier. Admins only.
    ///
    /// Takes an `Idempotency-Key` header: a retry with the same key and body gets the first
    /// response back (with `Idempotency-Replayed: true`) and writes nothing.
    async fn adjust_points(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose balance is corrected.")] user_id: ID,
        #[graphql(desc = "−1,000,000,000 to 1,000,000,000, not 0.")] points: i32,
    ) -> async_graphql::Result<User> {
        let db = ctx.data::<DatabaseConnection>()?;
        if let Some(outcome) = keyed::recovered(ctx) {
            return Ok(User::from(
                users::existing(db, outcome.id(0).gql()?).await.gql()?,
            ));
        }
        // Read here, refused (if malformed) only once the caller may correct balances.
        let id = parse_id("userId", Kind::User, &user_id);
        let attempt = keyed::attempt(ctx);
        Ok(User::from(
            points::adjust(db, &viewer(ctx), id, i64::from(points), attempt)
                .await
                .gql()?,
        ))
    }
}
