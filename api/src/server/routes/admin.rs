//! Admin endpoints outside GraphQL, for scripts and cron jobs. They take the same service
//! path as their GraphQL mutations and answer errors as GraphQL does
//! (`{"errors": [{"message": …, "extensions": {"code": …}}]}`, coded by `graphql::error`),
//! with the HTTP status the code calls for.

use super::AppState;
use crate::graphql::error::{auth_error, code, request_error, to_graphql};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `POST /api/admin/backups` with an admin's `Authorization: Bearer <token>`: writes a backup
/// and answers `{"name": …, "bytes": …}`.
pub async fn create_backup(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let viewer = match state.viewer(&headers).await {
        Ok(viewer) => viewer,
        Err(err) => return refuse(auth_error(&err)),
    };
    match service::ops::backup::take(&state.db, &viewer, &state.backups_dir).await {
        Ok(file) => (
            StatusCode::CREATED,
            Json(serde_json::json!({ "name": file.name, "bytes": file.bytes })),
        )
            .into_response(),
        Err(err) => refuse(to_graphql(&err)),
    }
}

/// `error` as the body of a refused request, with the status its code calls for and, for
/// errors worth retrying, `Retry-After`.
fn refuse(error: async_graphql::Error) -> Response {
    let error = request_error(error);
    let extension = |name: &str| error.extensions.as_ref().and_then(|x| x.get(name));
    let status = match extension("code") {
        Some(async_graphql::Value::String(code)) => status_for(code),
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let retry_after = match extension("retryAfter") {
        Some(async_graphql::Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    let mut response = (status, Json(serde_json::json!({ "errors": [error] }))).into_response();
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// The HTTP status for an error `code`.
fn status_for(code: &str) -> StatusCode {
    match code {
        code::UNAUTHENTICATED => StatusCode::UNAUTHORIZED,
        code::FORBIDDEN => StatusCode::FORBIDDEN,
        code::BAD_USER_INPUT => StatusCode::BAD_REQUEST,
        code::NOT_FOUND => StatusCode::NOT_FOUND,
        code::CONFLICT => StatusCode::CONFLICT,
        code::RATE_LIMITED => StatusCode::TOO_MANY_REQUESTS,
        code::STORAGE_FULL => StatusCode::INSUFFICIENT_STORAGE,
        code::UNAVAILABLE => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
