//! shopgraph's schema, data and callers on the engine's stock executor
//! ([`super::engine::reference`]): what the differential test holds the server to.

use super::engine::batching::BatchSpawner;
use super::engine::reference::Reference;
use super::loaders::Loaders;
use super::{mutation, query, schema_builder, subscription};
use crate::auth::token::TokenKeys;
use crate::auth::{PrincipalCache, credentials_for};
use async_graphql::{Request, Response};
use service::DatabaseConnection;
use service::events::EventBus;
use std::time::Duration;

/// The schema over a database on async-graphql's own executor.
pub struct ReferenceServer {
    reference: Reference<query::Query, mutation::Mutation, subscription::Subscription>,
    db: DatabaseConnection,
    keys: TokenKeys,
    principals: PrincipalCache,
}

impl ReferenceServer {
    /// The schema over `db`, reading tokens signed with `jwt_secret`.
    pub fn new(db: DatabaseConnection, events: EventBus, jwt_secret: &[u8]) -> Self {
        let checkout = service::orders::Checkout::new(db.clone(), events.clone());
        let builder = schema_builder()
            .data(db.clone())
            .data(events)
            .data(checkout)
            .data(TokenKeys::new(jwt_secret, Duration::from_secs(3600)));
        Self {
            reference: Reference::new(builder),
            db,
            keys: TokenKeys::new(jwt_secret, Duration::from_secs(3600)),
            principals: PrincipalCache::new(Duration::ZERO, 1),
        }
    }

    /// Executes `request` for the caller `authorization` names (`Bearer <token>`), coding its
    /// errors as the server does. `None` if the credentials are refused.
    pub async fn execute(&self, authorization: Option<&str>, request: Request) -> Option<Response> {
        let credentials = credentials_for(&self.db, &self.keys, &self.principals, authorization)
            .await
            .ok()?;
        let loaders = Loaders::new(&self.db, &BatchSpawner::Runtime, Duration::from_millis(1));
        let request = request.data(loaders).data(credentials.viewer);
        Some(self.reference.execute(request).await)
    }
}
