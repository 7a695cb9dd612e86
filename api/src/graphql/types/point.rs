//! `PointTransaction`.

use super::SafeInt;
use super::enums::PointKind;
use super::{Order, User};
use crate::graphql::args::{Kind, global_id, write_global_id};
use crate::graphql::engine::direct::WrittenFields;
use crate::graphql::error::GqlResult;
use crate::graphql::loaders::Loaders;
use crate::graphql::viewer::viewer;
use async_graphql::parser::types::Field;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// One movement of loyalty points.
pub struct PointTransaction(pub service::point_transaction::Model);

impl WrittenFields for PointTransaction {
    fn write_field(&self, field: &Field, out: &mut Vec<u8>) -> bool {
        let row = &self.0;
        match field.name.node.as_str() {
            "id" => write_global_id(out, Kind::PointTransaction, row.id),
            "databaseId" => super::write_i32(out, Some(row.id)),
            "points" => super::write_amount(out, Some(row.points)),
            _ => false,
        }
    }
}

/// One entry of a user's loyalty ledger: what moved points, how many and when. The balance
/// is always the sum of the entries.
#[Object]
impl PointTransaction {
    /// The entry's global id (see `Node`).
    pub async fn id(&self) -> ID {
        global_id(Kind::PointTransaction, self.0.id)
    }

    /// The row's number in its table, for logs and admin tools; use `id` everywhere in the
    /// API.
    async fn database_id(&self) -> i32 {
        self.0.id
    }

    /// What moved the points.
    async fn kind(&self) -> PointKind {
        self.0.kind.into()
    }

    /// Signed: positive added points to the balance, negative took them.
    async fn points(&self) -> async_graphql::Result<SafeInt> {
        SafeInt::of(self.0.points)
    }

    /// When the entry was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The order that earned or reversed these points, if any.
    async fn order(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Order>> {
        let Some(id) = self.0.order_id else {
            return Ok(None);
        };
        let loaders = ctx.data::<Loaders>()?;
        let viewer = viewer(ctx);
        Ok(loaders
            .order_by_id
            .load_one(id)
            .await
            .gql()?
            .filter(|o| service::orders::readable(&viewer, o))
            .map(|o| Order::from(Arc::unwrap_or_clone(o))))
    }

    /// The other side of a transfer, if any.
    async fn counterparty(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.counterparty_id else {
            return Ok(None);
        };
        User::find(ctx, id, User::columns(&ctx.look_ahead())).await
    }
}
