//! HTTP routes: GraphQL (POST, and GET for queries and the GraphiQL page) and health probes.

use crate::auth::token::TokenKeys;
use crate::auth::{PrincipalCache, viewer_for};
use std::sync::Arc;
use crate::graphql::AppSchema;
use crate::graphql::error::unauthenticated;
use crate::graphql::batching::batch_channel;
use crate::graphql::loaders::Loaders;
use async_graphql::http::GraphiQLSource;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::extract::WebSocketUpgrade;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use service::DatabaseConnection;
use std::time::Duration;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub loader_delay: Duration,
    pub keys: TokenKeys,
    pub principals: Arc<PrincipalCache>,
    pub graphiql: bool,
}

/// All routes of the server.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(graphql_ws))
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .with_state(state)
}

async fn execute(state: &AppState, headers: &HeaderMap, request: GraphQLRequest) -> GraphQLResponse {
    let authorization = headers.get(header::AUTHORIZATION).map(|v| v.to_str().unwrap_or("\u{0}"));
    let viewer = match viewer_for(&state.db, &state.keys, &state.principals, authorization).await {
        Ok(viewer) => viewer,
        Err(err) => {
            let error = unauthenticated(err.to_string());
            return async_graphql::Response::from_errors(vec![error.into_server_error(Default::default())]).into();
        }
    };
    // Loaders are made per request so their caches never leak one request's rows into another,
    // and their batches run in this request's task (see `graphql::batching`).
    let (spawner, batches) = batch_channel();
    let loaders = Loaders::new(&state.db, &spawner, state.loader_delay);
    let request = request.into_inner().data(loaders).data(viewer);
    batches.drive(state.schema.execute(request)).await.into()
}

async fn graphql_post(State(state): State<AppState>, headers: HeaderMap, request: GraphQLRequest) -> GraphQLResponse {
    execute(&state, &headers, request).await
}

/// GET with a `query` parameter runs it; a bare GET (a browser) gets GraphiQL.
async fn graphql_get(State(state): State<AppState>, headers: HeaderMap, request: Request) -> Response {
    let has_query = request
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|kv| kv.starts_with("query=")));
    if !has_query {
        if !state.graphiql {
            return StatusCode::NOT_FOUND.into_response();
        }
        let page = GraphiQLSource::build().endpoint("/graphql").subscription_endpoint("/graphql/ws").finish();
        return Html(page).into_response();
    }
    match GraphQLRequest::from_request(request, &state).await {
        Ok(request) => execute(&state, &headers, request).await.into_response(),
        Err(rejection) => rejection.into_response(),
    }
}

/// Subscriptions over graphql-transport-ws (and the older graphql-ws). Credentials come in the
/// `connection_init` payload as `{"Authorization": "Bearer <token>"}` (or `{"token": "<token>"}`).
async fn graphql_ws(State(state): State<AppState>, protocol: GraphQLProtocol, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let schema = state.schema.clone();
            GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let authorization = connection_authorization(&payload);
                    let viewer = viewer_for(&state.db, &state.keys, &state.principals, authorization.as_deref())
                        .await
                        .map_err(|err| unauthenticated(err.to_string()))?;
                    let mut data = async_graphql::Data::default();
                    data.insert(viewer);
                    data.insert(Loaders::for_connection(&state.db));
                    Ok(data)
                })
                .serve()
        })
}

/// The credentials in a `connection_init` payload, as an `Authorization` value.
fn connection_authorization(payload: &serde_json::Value) -> Option<String> {
    let field = |name: &str| payload.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    field("Authorization")
        .or_else(|| field("authorization"))
        .or_else(|| field("token").map(|t| format!("Bearer {t}")))
}

async fn live() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// Ready when the database answers.
async fn ready(State(state): State<AppState>) -> Response {
    match service::db::ping(&state.db).await {
        Ok(()) => Json(serde_json::json!({ "status": "ok", "database": "ok" })).into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            let body = serde_json::json!({ "status": "unavailable", "database": "unreachable" });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
