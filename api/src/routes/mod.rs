//! HTTP routes: GraphQL over HTTP (`graphql`), subscriptions over WebSocket (`ws`) and the
//! health probes (`health`).

mod graphql;
mod admin;
mod health;
mod ws;

use crate::auth::PrincipalCache;
use crate::auth::token::TokenKeys;
use crate::graphql::AppSchema;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, header};
use axum::routing::{get, post};
use service::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub loader_delay: Duration,
    pub keys: TokenKeys,
    pub principals: Arc<PrincipalCache>,
    pub graphiql: bool,
    pub request_timeout: Duration,
    pub backups_dir: std::path::PathBuf,
}

/// All routes of the server. `max_body_bytes` bounds request bodies; `cors_origins` are the
/// origins browsers may call from (none: no CORS headers, so browsers refuse cross-origin calls).
pub fn router(state: AppState, max_body_bytes: usize, cors_origins: &[String]) -> Router {
    let router = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post).fallback(graphql::other_method))
        .route("/graphql/ws", get(ws::upgrade))
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/api/admin/backups", post(admin::create_backup))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(state);
    let origins: Vec<HeaderValue> = cors_origins
        .iter()
        .filter(|o| !o.trim().is_empty())
        .filter_map(|o| match HeaderValue::from_str(o.trim()) {
            Ok(value) => Some(value),
            Err(_) => {
                tracing::warn!(origin = %o, "ignoring an invalid CORS origin");
                None
            }
        })
        .collect();
    if origins.is_empty() {
        return router;
    }
    router.layer(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
            .max_age(Duration::from_secs(600)),
    )
}
