//! Subscriptions over WebSocket: graphql-transport-ws (and the older graphql-ws).

use super::AppState;
use crate::auth::viewer_for;
use crate::graphql::error::auth_error;
use crate::graphql::loaders::Loaders;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response;

/// Upgrades `/graphql/ws`. Credentials come in the `connection_init` payload as
/// `{"Authorization": "Bearer <token>"}` (or `{"token": "<token>"}`); bad ones close the
/// connection, none means anonymous.
pub async fn upgrade(
    State(state): State<AppState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let gateway = state.gateway.clone();
            GraphQLWebSocket::new(socket, gateway, protocol)
                .on_connection_init(move |payload| async move {
                    let authorization = connection_authorization(&payload);
                    let viewer = viewer_for(
                        &state.db,
                        &state.keys,
                        &state.principals,
                        authorization.as_deref(),
                    )
                    .await
                    .map_err(|err| auth_error(&err))?;
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
    let field = |name: &str| {
        payload
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    field("Authorization")
        .or_else(|| field("authorization"))
        .or_else(|| field("token").map(|t| format!("Bearer {t}")))
}
