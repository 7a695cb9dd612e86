//! HTTP routes: GraphQL over HTTP (`graphql`), GraphiQL and its assets (`graphiql`),
//! subscriptions over WebSocket (`ws`) and the health probes (`health`).

mod admin;
mod graphiql;
mod graphql;
mod health;
mod metrics;
pub mod ws;

use crate::auth::token::TokenKeys;
use crate::auth::{AuthError, PrincipalCache, viewer_for};
use crate::graphql::AppGateway;
use crate::graphql::error::code;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, header};
use axum::routing::{get, post};
use service::DatabaseConnection;
use service::access::Viewer;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub gateway: AppGateway,
    pub db: DatabaseConnection,
    pub loader_delay: Duration,
    pub keys: TokenKeys,
    pub principals: Arc<PrincipalCache>,
    pub graphiql: bool,
    pub request_timeout: Duration,
    /// Permits to execute a GraphQL request (`--max-concurrent-requests`).
    pub executions: Arc<tokio::sync::Semaphore>,
    pub backups_dir: std::path::PathBuf,
    /// The SQLite file, when the database is one (for its size in metrics).
    pub sqlite_path: Option<std::path::PathBuf>,
    pub statements: service::ops::database::StatementCounter,
    /// How WebSockets are held (`ws`).
    pub sockets: ws::SocketLimits,
    /// Turns `true` when the server starts shutting down (WebSockets close with 1001).
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// One permit per open WebSocket (`--ws-max-connections`).
    pub ws_open: Arc<tokio::sync::Semaphore>,
    /// The general per-address request limit, when configured.
    pub request_limit: Option<Arc<crate::auth::throttle::RequestLimit>>,
    /// The idempotency keys this server is answering.
    pub idempotency: service::idempotency::Keys,
    /// Test builds only: stop the process between a keyed write's commit and its response
    /// (`SHOPGRAPH_TEST_FAULT=abort-after-commit`).
    #[cfg(feature = "fault-injection")]
    pub abort_after_commit: bool,
}

impl AppState {
    /// The caller a request's `Authorization` header speaks for (anonymous without one).
    pub async fn viewer(&self, headers: &axum::http::HeaderMap) -> Result<Viewer, AuthError> {
        // A header that is not text cannot be a bearer token; NUL makes viewer_for refuse it.
        let authorization = headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or("\u{0}"));
        viewer_for(&self.db, &self.keys, &self.principals, authorization).await
    }
}

/// `/metrics` alone, for its own listen address (`--metrics-address`).
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics::render))
        .with_state(state)
}

/// The general per-address rate limit (off unless configured): 429 RATE_LIMITED with
/// `Retry-After` beyond it.
async fn limit_requests(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if let (Some(limit), Some(ip)) = (
        &state.request_limit,
        request
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|axum::extract::ConnectInfo(addr)| addr.ip()),
    ) && let Err(wait) = limit.check(ip)
    {
        let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
        let body = serde_json::json!({ "errors": [{
            "message": format!("too many requests from this address; try again in {seconds} s"),
            "extensions": { "code": code::RATE_LIMITED, "retryAfter": seconds },
        }]});
        return (
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, HeaderValue::from(seconds))],
            axum::Json(body),
        )
            .into_response();
    }
    next.run(request).await
}

/// All routes of the server. `max_body_bytes` bounds request bodies; `cors_origins` are the
/// origins browsers may call from (none: no CORS headers, so browsers refuse cross-origin calls).
pub fn router(
    state: AppState,
    max_body_bytes: usize,
    body_timeout: Duration,
    cors_origins: &[String],
    metrics_apart: bool,
) -> Router {
    let limited = Router::new()
        .route(
            "/graphql",
            get(graphql::get)
                .post(graphql::post)
                .fallback(graphql::other_method),
        )
        .route("/graphql/ws", get(ws::upgrade));
    // Only when configured: the layer clones the state for every request it sees.
    let limited = match state.request_limit.is_some() {
        true => limited.route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limit_requests,
        )),
        false => limited,
    };
    let mut router = Router::new()
        .merge(limited)
        // Outside the request limit: loading GraphiQL is one page, not five requests.
        .route(graphiql::ASSETS_ROUTE, get(graphiql::asset))
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/api/admin/backups", post(admin::create_backup));
    if !metrics_apart {
        router = router.route("/metrics", get(metrics::render));
    }
    let router = router
        .layer(DefaultBodyLimit::max(max_body_bytes))
        // A body sent a byte at a time holds its connection no longer than this (408).
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(body_timeout))
        .with_state(state)
        // Every request gets an id (or keeps the caller's `x-request-id`), logged on its span
        // and sent back in the response.
        .layer(
            tower::ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
                })
                // A 5xx says nothing its cause has not logged already, once: an INTERNAL error
                // with its chain, a timeout, a full storage once per episode. One line per
                // refused request would flood the log (and the disk that may be full).
                .on_failure(tower_http::trace::DefaultOnFailure::new().level(tracing::Level::DEBUG)))
                .layer(PropagateRequestIdLayer::x_request_id()),
        );
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
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                header::ACCEPT,
                graphql::IDEMPOTENCY_KEY,
            ])
            .expose_headers([graphql::IDEMPOTENCY_REPLAYED, header::RETRY_AFTER])
            .max_age(Duration::from_secs(600)),
    )
}
