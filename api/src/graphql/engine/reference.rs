//! async-graphql's own executor on shopgraph's schema and data, with none of the request
//! path's fast paths: objects resolved by `resolve_container` (not [`super::direct`]), loader
//! batches spawned on the runtime (not [`super::batching`]), no document cache, no turn.
//! The differential test holds every response of the server to this one, byte for byte.

use super::batching::BatchSpawner;
use crate::auth::token::TokenKeys;
use crate::auth::{PrincipalCache, credentials_for};
use crate::graphql::loaders::Loaders;
use crate::graphql::{AppSchema, schema_builder};
use async_graphql::{Request, Response};
use service::DatabaseConnection;
use service::events::EventBus;
use std::time::Duration;

/// Put in a schema's data, it sends [`super::direct::Direct`] objects down async-graphql's
/// own path.
pub struct Stock;

/// The stock executor over a database.
pub struct Reference {
    schema: AppSchema,
    db: DatabaseConnection,
    keys: TokenKeys,
    principals: PrincipalCache,
}

impl Reference {
    /// The schema over `db`, reading tokens signed with `jwt_secret`.
    pub fn new(db: DatabaseConnection, events: EventBus, jwt_secret: &[u8]) -> Self {
        let checkout = service::orders::Checkout::new(db.clone(), events.clone());
        let schema = schema_builder()
            .data(db.clone())
            .data(events)
            .data(checkout)
            .data(TokenKeys::new(jwt_secret, Duration::from_secs(3600)))
            .data(Stock)
            .finish();
        Self {
            schema,
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
        let mut response = self
            .schema
            .execute(request.data(loaders).data(credentials.viewer))
            .await;
        super::error_codes::code_errors(&mut response.errors);
        Some(response)
    }
}
