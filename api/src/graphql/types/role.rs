//! `Role`.

use super::enums::RoleName;
use crate::graphql::args::{Kind, global_id};
use crate::graphql::error::internal;
use async_graphql::{ID, Object};

/// A role row.
pub struct Role(pub service::role::Model);

/// A named set of permissions a user holds.
#[Object]
impl Role {
    /// The role's global id (see `Node`).
    pub async fn id(&self) -> ID {
        global_id(Kind::Role, self.0.id)
    }

    /// The row's number in its table, for logs and admin tools; use `id` everywhere in the
    /// API.
    async fn database_id(&self) -> i32 {
        self.0.id
    }

    /// Which role this is.
    async fn name(&self) -> async_graphql::Result<RoleName> {
        RoleName::from_name(&self.0.name).ok_or_else(internal)
    }
}
