//! Subscriptions over WebSocket: graphql-transport-ws (and the older graphql-ws).
//!
//! async-graphql speaks the protocol; this loop around it holds what a socket that stays open
//! for hours needs, with graphql-transport-ws's close codes:
//! - credentials come in `connection_init` (`{"Authorization": "Bearer <token>"}` or
//!   `{"token": "<token>"}`); bad ones close with 4403, none means anonymous;
//! - no `connection_init` within the timeout: 4408;
//! - the rights it started with end (token expired, account deactivated or deleted, admin role
//!   revoked): 4403, checked before every event is sent and every second, so no event goes
//!   out once the principal cache has seen the change;
//! - at most so many subscriptions at once; one more is answered with an error for its id
//!   (`TOO_MANY_SUBSCRIPTIONS`), and an id already running closes with 4409;
//! - server shutdown: 1001.

use super::AppState;
use crate::auth::throttle::ClientAddress;
use crate::auth::{AuthError, Credentials, credentials_for};
use crate::graphql::error::auth_error;
use crate::graphql::error::code;
use crate::graphql::loaders::Loaders;
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, ClientMessage, WebSocketProtocols, WsMessage};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt, future};
use std::collections::HashSet;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// How a socket is held.
#[derive(Clone, Copy, Debug)]
pub struct SocketLimits {
    /// Time from the upgrade to `connection_init` being accepted.
    pub init_timeout: Duration,
    /// Subscriptions one socket may run at once.
    pub max_subscriptions: usize,
}

/// How often an idle socket's rights are checked again (events are checked as they go).
const RIGHTS_EVERY: Duration = Duration::from_secs(1);

/// Upgrades `/graphql/ws`.
pub async fn upgrade(
    State(state): State<AppState>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let address =
        peer.map(|axum::Extension(axum::extract::ConnectInfo(addr))| ClientAddress(addr.ip()));
    // The first subprotocol offered that we speak (graphql-transport-ws, graphql-ws).
    let offered = headers
        .get_all(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| WebSocketProtocols::from_str(p.trim()).ok());
    let Some(protocol) = offered else {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            "offer the graphql-transport-ws (or graphql-ws) subprotocol",
        )
            .into_response();
    };
    let Ok(open) = state.ws_open.clone().try_acquire_owned() else {
        return (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            [(axum::http::header::RETRY_AFTER, "5")],
            "too many WebSockets are open; try again later",
        )
            .into_response();
    };
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            serve(socket, state, protocol, address).await;
            drop(open);
        })
}

/// Why the loop closed the socket.
fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

async fn serve(
    socket: WebSocket,
    state: AppState,
    protocol: WebSocketProtocols,
    address: Option<ClientAddress>,
) {
    let (mut sink, source) = socket.split();
    let limits = state.sockets;
    let credentials: Arc<OnceLock<Credentials>> = Arc::default();
    let running: Arc<Mutex<HashSet<String>>> = Arc::default();
    // Answers the loop owes the client for messages it did not pass on.
    let (owed, mut owing) = tokio::sync::mpsc::unbounded_channel::<Message>();

    let input = {
        let running = running.clone();
        source
            .take_while(|received| future::ready(received.is_ok()))
            .filter_map(|received| {
                future::ready(match received {
                    Ok(Message::Text(text)) => Some(ClientMessage::from_bytes(text.as_bytes())),
                    Ok(Message::Binary(bytes)) => Some(ClientMessage::from_bytes(&bytes)),
                    _ => None,
                })
            })
            .filter_map(move |message| {
                let pass = match &message {
                    Ok(ClientMessage::Start { id, .. }) => {
                        let mut running = running.lock().unwrap_or_else(|e| e.into_inner());
                        if running.contains(id) {
                            let _ = owed
                                .send(close(4409, &format!("Subscriber for {id} already exists")));
                            false
                        } else if running.len() >= limits.max_subscriptions {
                            let _ = owed.send(too_many(protocol, id, limits.max_subscriptions));
                            false
                        } else {
                            running.insert(id.clone());
                            true
                        }
                    }
                    Ok(ClientMessage::Stop { id }) => {
                        running.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
                        true
                    }
                    _ => true,
                };
                future::ready(pass.then_some(message))
            })
    };

    let init = {
        let (state, credentials) = (state.clone(), credentials.clone());
        move |payload: serde_json::Value| async move {
            let authorization = connection_authorization(&payload);
            let started = credentials_for(
                &state.db,
                &state.keys,
                &state.principals,
                authorization.as_deref(),
            )
            .await
            .map_err(|err| auth_error(&err))?;
            let _ = credentials.set(started);
            let mut data = async_graphql::Data::default();
            data.insert(started.viewer);
            data.insert(Loaders::for_connection(&state.db));
            if let Some(address) = address {
                data.insert(address);
            }
            Ok(data)
        }
    };
    let graphql =
        async_graphql::http::WebSocket::from_message_stream(state.gateway.clone(), input, protocol)
            .on_connection_init(init);
    futures_util::pin_mut!(graphql);

    let mut shutdown = state.shutdown.clone();
    let init_deadline = tokio::time::sleep(limits.init_timeout);
    tokio::pin!(init_deadline);
    let mut rights = tokio::time::interval(RIGHTS_EVERY);
    rights.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let last = loop {
        tokio::select! {
            message = graphql.next() => {
                let Some(message) = message else { break None };
                let message = match message {
                    WsMessage::Text(text) => {
                        let head = Head::of(&text);
                        if (head.kind == Some("next") || head.kind == Some("data"))
                            && let Some(refused) = refused(&state, &credentials).await {
                                break Some(refused);
                            }
                        if matches!(head.kind, Some("complete" | "error"))
                            && let Some(id) = head.id
                        {
                            running.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
                        }
                        Message::Text(text.into())
                    }
                    // A refused `connection_init` is Forbidden in graphql-transport-ws.
                    WsMessage::Close(1002, reason) if credentials.get().is_none() => close(4403, &reason),
                    WsMessage::Close(code, reason) => close(code, &reason),
                };
                let closing = matches!(message, Message::Close(_));
                if sink.send(message).await.is_err() || closing {
                    return;
                }
            }
            Some(answer) = owing.recv() => {
                let closing = matches!(answer, Message::Close(_));
                if sink.send(answer).await.is_err() || closing {
                    return;
                }
            }
            () = &mut init_deadline, if credentials.get().is_none() => {
                break Some(close(4408, "Connection initialisation timeout"));
            }
            _ = rights.tick(), if credentials.get().is_some() => {
                if let Some(refused) = refused(&state, &credentials).await {
                    break Some(refused);
                }
            }
            _ = shutdown.changed() => break Some(close(1001, "the server is shutting down")),
        }
    };
    if let Some(last) = last {
        let _ = sink.send(last).await;
    }
    let _ = sink.close().await;
}

/// The close frame for a socket whose rights have ended (or could not be checked: the
/// database is unavailable, and the client should come back).
async fn refused(state: &AppState, credentials: &OnceLock<Credentials>) -> Option<Message> {
    let credentials = credentials.get()?;
    match credentials.still_hold(&state.db, &state.principals).await {
        Ok(true) => None,
        Ok(false) => Some(close(4403, "Forbidden")),
        Err(AuthError::Service(err)) if err.is_unavailable() => {
            Some(close(1013, "the database is unavailable; try again later"))
        }
        Err(err) => {
            tracing::warn!(error = %err, "checking a socket's rights failed");
            Some(close(4403, "Forbidden"))
        }
    }
}

/// The error that answers a subscription over the limit, in the socket's protocol.
fn too_many(protocol: WebSocketProtocols, id: &str, limit: usize) -> Message {
    let error = serde_json::json!({
        "message": format!("at most {limit} subscriptions may run on one connection"),
        "extensions": { "code": code::TOO_MANY_SUBSCRIPTIONS, "limit": limit },
    });
    let payload = match protocol {
        WebSocketProtocols::GraphQLWS => serde_json::json!([error]),
        WebSocketProtocols::SubscriptionsTransportWS => error,
    };
    Message::Text(
        serde_json::json!({ "type": "error", "id": id, "payload": payload })
            .to_string()
            .into(),
    )
}

/// The type and id of a message the server sends.
#[derive(serde::Deserialize, Default)]
struct Head<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<&'a str>,
    #[serde(borrow)]
    id: Option<&'a str>,
}

impl<'a> Head<'a> {
    fn of(text: &'a str) -> Self {
        serde_json::from_str(text).unwrap_or_default()
    }
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
