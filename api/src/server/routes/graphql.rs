//! GraphQL over HTTP, following the GraphQL-over-HTTP specification:
//!
//! - `POST` with `Content-Type: application/json` (anything else: 415);
//! - `GET` with `query` (and `variables`, `operationName`, `extensions`) in the URL, for
//!   queries only: a mutation over GET is 405, since GET must be safe to repeat and cache;
//! - a bare `GET` (a browser) gets GraphiQL when enabled;
//! - the response is `application/graphql-response+json` when the client accepts it, with
//!   400 for requests that cannot be executed (unparsable or invalid documents), and
//!   `application/json` with 200 otherwise (what older clients expect);
//! - malformed JSON, a missing query and an oversized body are 400/413 with a GraphQL error
//!   body, never a bare status or a dropped connection.

use super::AppState;
use crate::auth::throttle::ClientAddress;
use crate::graphql::engine::batching::{BatchQueue, batch_channel};
use crate::graphql::engine::error_codes::REQUEST_ERROR_CODES;
use crate::graphql::engine::json;
use crate::graphql::engine::turn::Turn;
use crate::graphql::error::{auth_error, code, outcome, request_error};
use crate::graphql::keyed::{ANONYMOUS_KEYED_FIELDS, KEYED_FIELDS, Keyed};
use crate::graphql::loaders::Loaders;
use async_graphql::{ErrorExtensionValues, ServerError};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use service::idempotency::{Attempt, Claim, Hold};
use std::sync::Arc;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// The address a request came from, when it came over the network.
type Peer = Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>;

fn client_address(peer: Peer) -> Option<ClientAddress> {
    peer.map(|axum::Extension(axum::extract::ConnectInfo(addr))| ClientAddress(addr.ip()))
}

/// `POST /graphql`.
pub async fn post(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let media = ResponseMedia::for_request(&headers);
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return media.error(
                StatusCode::PAYLOAD_TOO_LARGE,
                code::PAYLOAD_TOO_LARGE,
                "the request body is too large",
            );
        }
        Err(rejection) if body_timed_out(&rejection) => {
            return media.error(
                StatusCode::REQUEST_TIMEOUT,
                code::REQUEST_TIMEOUT,
                "the request body did not arrive in time",
            );
        }
        Err(rejection) => {
            return media.error(
                StatusCode::BAD_REQUEST,
                code::BAD_REQUEST,
                &rejection.body_text(),
            );
        }
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" {
        return media.error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::UNSUPPORTED_MEDIA_TYPE,
            "send GraphQL requests as application/json",
        );
    }
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            return media.error(
                StatusCode::BAD_REQUEST,
                code::BAD_REQUEST,
                &format!("the body is not a GraphQL request: {err}"),
            );
        }
    };
    let key = match headers.get(&IDEMPOTENCY_KEY).map(HeaderValue::to_str) {
        None => None,
        Some(Ok(key)) => Some(KeyedBody { key, body: &body }),
        Some(Err(_)) => {
            return media.error(
                StatusCode::BAD_REQUEST,
                code::BAD_REQUEST,
                "the Idempotency-Key header must be visible ASCII text",
            );
        }
    };
    match key {
        // Boxed, so that its claim does not enlarge every other request's future.
        Some(key) => Box::pin(execute_keyed(&state, &headers, peer, media, request, key)).await,
        None => execute(&state, &headers, peer, media, request, Method::Post).await,
    }
}

/// The request header naming a write's attempt (the IETF's Idempotency-Key draft); a
/// `HeaderName` so that looking it up does not parse it on every request.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// The response header that marks an answer given before.
pub const IDEMPOTENCY_REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");

/// A POST's `Idempotency-Key` and the body it came with.
struct KeyedBody<'a> {
    key: &'a str,
    body: &'a [u8],
}

/// Whether reading the body stopped at the body timeout (`router`'s `RequestBodyTimeoutLayer`).
fn body_timed_out(rejection: &BytesRejection) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(rejection);
    while let Some(error) = cause {
        if error.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// `GET /graphql`: a query in the URL, or GraphiQL for a browser.
pub async fn get(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let media = ResponseMedia::for_request(&headers);
    let query = query.unwrap_or_default();
    if !query
        .split('&')
        .any(|kv| kv.starts_with("query=") || kv.starts_with("extensions="))
    {
        if !state.graphiql {
            return media.error(
                StatusCode::BAD_REQUEST,
                code::BAD_REQUEST,
                "missing the `query` parameter",
            );
        }
        return super::graphiql::page();
    }
    let request = match async_graphql::http::parse_query_string(&query) {
        Ok(request) => request,
        Err(err) => {
            return media.error(
                StatusCode::BAD_REQUEST,
                code::BAD_REQUEST,
                &format!("bad query parameters: {err}"),
            );
        }
    };
    execute(&state, &headers, peer, media, request, Method::Get).await
}

/// Any other method on `/graphql`.
pub async fn other_method(headers: HeaderMap) -> Response {
    let mut response = ResponseMedia::for_request(&headers).error(
        StatusCode::METHOD_NOT_ALLOWED,
        code::METHOD_NOT_ALLOWED,
        "use GET for queries or POST",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    response
}

/// How a request came: GET runs queries only (a write over GET is 405, whether its document
/// came as text or as a persisted-query hash).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    peer: Peer,
    media: ResponseMedia,
    request: async_graphql::Request,
    method: Method,
) -> Response {
    let viewer = match admitted(state, headers, media, &request).await {
        Ok(viewer) => viewer,
        Err(refused) => return refused,
    };
    // Written out rather than through `run`: as a call, its future was moved whole several
    // times per request (Q1 0.29 -> 0.34 M instructions, all of it memcpy).
    let started = std::time::Instant::now();
    let Ready {
        request,
        batches,
        turn,
        operation,
    } = ready(state, peer, request, viewer);
    let run = async {
        turn.take().await;
        let response = match method {
            Method::Get => batches.drive(state.gateway.execute_query(request)).await,
            Method::Post => batches.drive(state.gateway.execute_post(request)).await,
        };
        turn.finish();
        response
    };
    let response = tokio::time::timeout(state.request_timeout, run).await;
    match finished(&operation, started, response) {
        Some(response) => plain_answer(media, response),
        None => timed_out(state, media),
    }
}

/// The caller of a request that has a query, or the response refusing it.
async fn admitted(
    state: &AppState,
    headers: &HeaderMap,
    media: ResponseMedia,
    request: &async_graphql::Request,
) -> Result<service::access::Viewer, Response> {
    if request.query.trim().is_empty() && !request.extensions.contains_key("persistedQuery") {
        return Err(media.error(
            StatusCode::BAD_REQUEST,
            code::BAD_REQUEST,
            "the request has no `query`",
        ));
    }
    state.viewer(headers).await.map_err(|err| {
        let response = async_graphql::Response::from_errors(vec![request_error(auth_error(&err))]);
        if let Some(refusal) = Refusal::of(&response) {
            return media.refuse(&response, refusal);
        }
        let status = match err {
            crate::auth::AuthError::Service(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNAUTHORIZED,
        };
        media.respond(response, status)
    })
}

/// A POST with an `Idempotency-Key`: claimed, then run, replayed or refused.
async fn execute_keyed(
    state: &AppState,
    headers: &HeaderMap,
    peer: Peer,
    media: ResponseMedia,
    request: async_graphql::Request,
    KeyedBody { key, body }: KeyedBody<'_>,
) -> Response {
    let viewer = match admitted(state, headers, media, &request).await {
        Ok(viewer) => viewer,
        Err(refused) => return refused,
    };
    // The claim's wait counts within the request's time limit.
    let started = std::time::Instant::now();
    let attempt = match Attempt::new(&viewer, key, body) {
        Ok(attempt) => attempt,
        Err(err) => {
            return media.error(StatusCode::BAD_REQUEST, code::BAD_REQUEST, &err.to_string());
        }
    };
    let (claimed, keyed) = match state
        .idempotency
        .claim(&attempt, state.request_timeout)
        .await
    {
        Ok(Claim::Fresh(hold)) => {
            let keyed = Keyed::Fresh(attempt.clone());
            let claimed = Claimed {
                hold,
                attempt,
                recovering: false,
            };
            (claimed, keyed)
        }
        Ok(Claim::Recover(hold, outcome)) => {
            let claimed = Claimed {
                hold,
                attempt,
                recovering: true,
            };
            (claimed, Keyed::Recover(outcome))
        }
        Ok(Claim::Replay(body)) => return media.replay(body.as_bytes().to_vec()),
        Ok(Claim::Reused) => {
            return media.error(
                StatusCode::UNPROCESSABLE_ENTITY,
                code::IDEMPOTENCY_KEY_REUSED,
                "this Idempotency-Key was used with a different request; send a new key for a new request",
            );
        }
        Ok(Claim::Busy) => return media.busy(),
        Err(err) => {
            let error = request_error(crate::graphql::error::to_graphql(&err));
            let response = async_graphql::Response::from_errors(vec![error]);
            return match Refusal::of(&response) {
                Some(refusal) => media.refuse(&response, refusal),
                None => media.respond(response, StatusCode::INTERNAL_SERVER_ERROR),
            };
        }
    };
    let fields = if claimed.attempt.is_anonymous() {
        ANONYMOUS_KEYED_FIELDS
    } else {
        KEYED_FIELDS
    };
    let request = request.data(keyed);
    let gateway = |request| state.gateway.execute_keyed(request, fields);
    match run(state, peer, request, viewer, started, gateway).await {
        Some(response) => claimed.answer(state, media, response),
        // Dropped, the hold frees the key; a write that still commits keeps it.
        None => timed_out(state, media),
    }
}

/// Runs `request` for `viewer` through `gateway` within the time limit of a request that began
/// at `started`, with the request's own loaders and an execution turn, and records its
/// metrics; `None` if it ran out of time.
async fn run<F: Future<Output = async_graphql::Response>>(
    state: &AppState,
    peer: Peer,
    request: async_graphql::Request,
    viewer: service::access::Viewer,
    started: std::time::Instant,
    gateway: impl FnOnce(async_graphql::Request) -> F,
) -> Option<async_graphql::Response> {
    let Ready {
        request,
        batches,
        turn,
        operation,
    } = ready(state, peer, request, viewer);
    let run = async {
        turn.take().await;
        let response = batches.drive(gateway(request)).await;
        turn.finish();
        response
    };
    let deadline = tokio::time::Instant::from_std(started) + state.request_timeout;
    let response = tokio::time::timeout_at(deadline, run).await;
    finished(&operation, started, response)
}

/// A request ready to run, and what runs it.
struct Ready {
    request: async_graphql::Request,
    /// Its loaders' batches, driven beside it.
    batches: BatchQueue,
    /// Its turn among executing requests.
    turn: Arc<Turn>,
    /// Its name in the metrics.
    operation: String,
}

/// `request` for `viewer` with its own loaders, turn and client address in its data.
fn ready(
    state: &AppState,
    peer: Peer,
    request: async_graphql::Request,
    viewer: service::access::Viewer,
) -> Ready {
    // Loaders are made per request so their caches never leak one request's rows into another,
    // and their batches run in this request's task (see `graphql::engine::batching`).
    let (spawner, batches) = batch_channel();
    let loaders = Loaders::new(&state.db, &spawner, state.loader_delay);
    let operation =
        crate::server::metrics::operation_label(request.operation_name.as_deref(), &request.query);
    let turn = Arc::new(Turn::new(state.executions.clone()));
    let mut request = request.data(loaders).data(viewer).data(turn.clone());
    if let Some(address) = client_address(peer) {
        request = request.data(address);
    }
    Ready {
        request,
        batches,
        turn,
        operation,
    }
}

/// Records a request's metrics; its response, or `None` if it ran out of time.
fn finished(
    operation: &str,
    started: std::time::Instant,
    response: Result<async_graphql::Response, tokio::time::error::Elapsed>,
) -> Option<async_graphql::Response> {
    match response {
        Ok(response) => {
            let codes = response.errors.iter().filter_map(|e| {
                e.extensions
                    .as_ref()
                    .and_then(|x| x.get("code"))
                    .map(|c| c.to_string().trim_matches('"').to_owned())
            });
            crate::server::metrics::graphql_request(operation, started.elapsed(), codes);
            Some(response)
        }
        Err(_) => {
            crate::server::metrics::graphql_request(
                operation,
                started.elapsed(),
                std::iter::once(code::TIMEOUT.to_owned()),
            );
            None
        }
    }
}

/// 504 TIMEOUT: the request ran out of time.
fn timed_out(state: &AppState, media: ResponseMedia) -> Response {
    tracing::warn!(
        timeout_ms = state.request_timeout.as_millis() as u64,
        "request timed out"
    );
    media.error(
        StatusCode::GATEWAY_TIMEOUT,
        code::TIMEOUT,
        "the request took too long and was stopped",
    )
}

/// The HTTP response for an executed request: a [`Refusal`]'s status, 405 for a write over
/// GET, 400 for request errors, 200 otherwise.
fn plain_answer(media: ResponseMedia, response: async_graphql::Response) -> Response {
    if let Some(refusal) = Refusal::of(&response) {
        return media.refuse(&response, refusal);
    }
    if only_code(&response, code::METHOD_NOT_ALLOWED) {
        let mut refused = media.respond(response, StatusCode::METHOD_NOT_ALLOWED);
        // Its status is the method's, whichever media type was asked for.
        *refused.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        refused
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return refused;
    }
    let status = if is_request_error(&response) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    media.respond(response, status)
}

/// A keyed request's hold on its key while it runs.
struct Claimed {
    hold: Hold,
    attempt: Attempt,
    /// Answering again from what an earlier run wrote.
    recovering: bool,
}

impl Claimed {
    /// Sends `response`, first handing it to the key if the request wrote (or, recovering,
    /// answered whole): every repeat then gets these bytes.
    fn answer(
        self,
        state: &AppState,
        media: ResponseMedia,
        response: async_graphql::Response,
    ) -> Response {
        let wrote = if self.recovering {
            response.errors.is_empty()
        } else {
            self.attempt.committed()
        };
        if !wrote && self.attempt.clashed() {
            // Another server recorded the same key first: its request is being answered.
            return media.busy();
        }
        if !wrote {
            // Nothing was written: the key stays unused and a retry runs anew.
            drop(self.hold);
            return plain_answer(media, response);
        }
        let body = body(&response);
        #[cfg(feature = "fault-injection")]
        if state.abort_after_commit {
            // A crash between the commit and the response (a test build's fault).
            std::process::abort();
        }
        #[cfg(not(feature = "fault-injection"))]
        let _ = state;
        self.hold.finish(true, &body);
        if self.recovering {
            return media.replay(body);
        }
        media.bytes(StatusCode::OK, body)
    }
}

/// Whether the response's only error has `code`.
fn only_code(response: &async_graphql::Response, code: &str) -> bool {
    matches!(response.errors.as_slice(), [error] if error
        .extensions
        .as_ref()
        .and_then(|x| x.get("code"))
        .is_some_and(|c| *c == async_graphql::Value::from(code)))
}

/// A response to a request that could not be executed at all (no data, request-level errors).
fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .is_some_and(|c| {
                    REQUEST_ERROR_CODES
                        .iter()
                        .any(|r| *c == async_graphql::Value::from(*r))
                })
        })
}

/// A response that answered nothing because the request was turned away for now: every error
/// is STORAGE_FULL, UNAVAILABLE (with nothing applied) or RATE_LIMITED and there is no data. It is sent with the
/// status for it (507 without room, 429 when only rate-limited, else 503), `Retry-After`, and
/// without a `data` entry, which
/// GraphQL-over-HTTP asks of a response that carries no result: clients and proxies then
/// retry it as they retry any unavailable server. A response with data keeps its 200.
#[derive(Clone, Copy, Debug)]
struct Refusal {
    status: StatusCode,
    retry_after: u64,
}

impl Refusal {
    fn of(response: &async_graphql::Response) -> Option<Self> {
        if response.data != async_graphql::Value::Null || response.errors.is_empty() {
            return None;
        }
        let mut refusal = Self {
            status: StatusCode::INSUFFICIENT_STORAGE,
            retry_after: 0,
        };
        let (mut limited, mut unavailable) = (0, 0);
        for error in &response.errors {
            let extensions = error.extensions.as_ref()?;
            let code = extensions.get("code")?;
            if *code == async_graphql::Value::from(code::UNAVAILABLE) {
                if extensions.get("outcome") == Some(&outcome::APPLIED.into()) {
                    // Something was written: not a request to send again.
                    return None;
                }
                unavailable += 1;
            } else if *code == async_graphql::Value::from(code::RATE_LIMITED) {
                limited += 1;
            } else if *code != async_graphql::Value::from(code::STORAGE_FULL) {
                return None;
            }
            if let Some(async_graphql::Value::Number(after)) = extensions.get("retryAfter") {
                refusal.retry_after = refusal.retry_after.max(after.as_u64().unwrap_or(1));
            }
        }
        refusal.status = if limited == response.errors.len() {
            StatusCode::TOO_MANY_REQUESTS
        } else if unavailable + limited > 0 {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::INSUFFICIENT_STORAGE
        };
        refusal.retry_after = refusal.retry_after.max(1);
        Some(refusal)
    }
}

/// Which media type the response uses, from the request's `Accept`.
#[derive(Clone, Copy)]
enum ResponseMedia {
    /// `application/graphql-response+json`: HTTP statuses carry meaning.
    GraphqlResponse,
    /// `application/json`: always 200 for requests that reached GraphQL.
    Json,
}

impl ResponseMedia {
    fn for_request(headers: &HeaderMap) -> Self {
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if accept.split(',').any(|m| {
            m.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(GRAPHQL_RESPONSE_JSON)
        }) {
            Self::GraphqlResponse
        } else {
            Self::Json
        }
    }

    /// `response` with `status` (graphql-response+json) or 200 (json) for results of
    /// execution; errors raised before GraphQL (`error`) keep their status either way.
    fn respond(self, response: async_graphql::Response, status: StatusCode) -> Response {
        self.bytes(status, body(&response))
    }

    /// A response body already written, with `status` as [`Self::respond`] gives it.
    fn bytes(self, status: StatusCode, body: Vec<u8>) -> Response {
        let (status, content_type) = match self {
            Self::GraphqlResponse => (status, GRAPHQL_RESPONSE_JSON),
            Self::Json => (StatusCode::OK, "application/json"),
        };
        (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            body,
        )
            .into_response()
    }

    /// The answer given before to the same keyed request, marked as such.
    fn replay(self, body: Vec<u8>) -> Response {
        let mut response = self.bytes(StatusCode::OK, body);
        response
            .headers_mut()
            .insert(IDEMPOTENCY_REPLAYED, HeaderValue::from_static("true"));
        response
    }

    /// 409 CONFLICT: the key's first request is still being answered.
    fn busy(self) -> Response {
        let mut response = self.error(
            StatusCode::CONFLICT,
            code::CONFLICT,
            "a request with this Idempotency-Key is still being answered; send it again shortly",
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(1));
        response
    }

    /// A [`Refusal`]: its status, `Retry-After`, and only the errors.
    fn refuse(self, response: &async_graphql::Response, refusal: Refusal) -> Response {
        #[derive(serde::Serialize)]
        struct ErrorsOnly<'a> {
            errors: &'a [ServerError],
        }
        let body = serde_json::to_vec(&ErrorsOnly {
            errors: &response.errors,
        })
        .unwrap_or_else(unserializable);
        (
            refusal.status,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(self.content_type()),
                ),
                (header::RETRY_AFTER, HeaderValue::from(refusal.retry_after)),
            ],
            body,
        )
            .into_response()
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponse => GRAPHQL_RESPONSE_JSON,
            Self::Json => "application/json",
        }
    }

    /// A GraphQL error body for a request that never reached execution.
    fn error(self, status: StatusCode, code: &str, message: &str) -> Response {
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", code);
        let error = ServerError {
            extensions: Some(extensions),
            ..ServerError::new(message, None)
        };
        let content_type = match self {
            Self::GraphqlResponse => GRAPHQL_RESPONSE_JSON,
            Self::Json => "application/json",
        };
        let body = body(&async_graphql::Response::from_errors(vec![error]));
        (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            body,
        )
            .into_response()
    }
}

/// The JSON body of `response`. A response of request errors only (errors without a path and
/// no data: nothing was executed) has no `data` entry, as the GraphQL spec's "Response" section
/// and GraphQL-over-HTTP ask; any other keeps `data`, `null` included.
///
/// The gateway's data may hold flat objects, so it is written by `json::write_value`; the
/// rest by serde_json, as a serde struct of these fields would be.
fn body(response: &async_graphql::Response) -> Vec<u8> {
    let executed = response.data != async_graphql::Value::Null
        || response.errors.is_empty()
        || response.errors.iter().any(|e| !e.path.is_empty());
    // The data's size is known to within its numbers and escapes: the buffer rarely grows.
    let mut out = Vec::with_capacity(json::written_len(&response.data) + 256);
    out.push(b'{');
    if executed {
        out.extend_from_slice(br#""data":"#);
        json::write_value(&mut out, &response.data);
    }
    let mut rest = Ok(());
    if !response.extensions.is_empty() {
        if out.len() > 1 {
            out.push(b',');
        }
        out.extend_from_slice(br#""extensions":"#);
        rest = rest.and_then(|()| serde_json::to_writer(&mut out, &response.extensions));
    }
    if !response.errors.is_empty() {
        if out.len() > 1 {
            out.push(b',');
        }
        out.extend_from_slice(br#""errors":"#);
        rest = rest.and_then(|()| serde_json::to_writer(&mut out, &response.errors));
    }
    out.push(b'}');
    match rest {
        Ok(()) => out,
        Err(err) => unserializable(err),
    }
}

/// What is sent if a response cannot be written as JSON (no value of ours can fail to).
fn unserializable(err: serde_json::Error) -> Vec<u8> {
    tracing::error!(error = %err, "a response could not be serialized");
    br#"{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::ser::Error as _;

    #[test]
    fn the_fallback_body_is_json_with_the_internal_code() {
        let body = unserializable(serde_json::Error::custom("a value that cannot be written"));
        let value: serde_json::Value = serde_json::from_slice(&body).expect("valid JSON");
        assert_eq!(value["errors"][0]["extensions"]["code"], code::INTERNAL);
    }
}
