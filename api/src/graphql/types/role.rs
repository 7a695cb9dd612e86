//! `Role`.

use super::enums::RoleName;
use crate::graphql::args::to_id;
use crate::graphql::error::internal;
use async_graphql::{ID, Object};

/// A role row.
pub struct Role(pub service::role::Model);

/// A named set of permissions a user holds.
#[Object]
impl Role {
    /// The role's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// Which role this is.
    async fn name(&self) -> async_graphql::Result<RoleName> {
        RoleName::from_name(&self.0.name).ok_or_else(internal)
    }
}
