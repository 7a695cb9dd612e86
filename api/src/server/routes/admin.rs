//! Admin endpoints outside GraphQL, for scripts and cron jobs.

use super::AppState;
use crate::graphql::error::code;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// `POST /api/admin/backups` with an admin's `Authorization: Bearer <token>`: writes a backup
/// and answers `{"name": …}`.
pub async fn create_backup(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let refuse = |status: StatusCode, code: &str, message: String| {
        (
            status,
            Json(serde_json::json!({ "error": message, "code": code })),
        )
            .into_response()
    };
    let viewer = match state.viewer(&headers).await {
        Ok(viewer) => viewer,
        Err(err) => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                code::UNAUTHENTICATED,
                err.to_string(),
            );
        }
    };
    match viewer.require_admin() {
        Ok(()) => {}
        Err(service::Error::Unauthenticated(m)) => {
            return refuse(StatusCode::UNAUTHORIZED, code::UNAUTHENTICATED, m);
        }
        Err(err) => return refuse(StatusCode::FORBIDDEN, code::FORBIDDEN, err.to_string()),
    }
    match crate::server::backups::take(&state.db, &state.backups_dir).await {
        Ok(file) => (
            StatusCode::CREATED,
            Json(serde_json::json!({ "name": file.name, "bytes": file.bytes })),
        )
            .into_response(),
        Err(err @ service::Error::StorageFull(_)) => {
            tracing::error!(error = %err, "backup over HTTP failed: no room; nothing of it was kept");
            refuse(
                StatusCode::INSUFFICIENT_STORAGE,
                code::STORAGE_FULL,
                "there is no room left for the backup; nothing of it was kept".into(),
            )
        }
        Err(err) => {
            tracing::error!(error = %err, "backup over HTTP failed");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                code::INTERNAL,
                "the backup failed; see the server log".into(),
            )
        }
    }
}
