//! `Role`.

use crate::graphql::args::to_id;
use async_graphql::{ID, Object};

/// A named set of permissions.
pub struct Role(pub service::role::Model);

#[Object]
impl Role {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// `admin` or `customer`.
    async fn name(&self) -> &str {
        &self.0.name
    }
}
