//! Admin endpoints outside GraphQL, for scripts and cron jobs.

use super::AppState;
use crate::auth::viewer_for;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use service::backup::{self, Format};

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
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let viewer = match viewer_for(&state.db, &state.keys, &state.principals, authorization).await {
        Ok(viewer) => viewer,
        Err(err) => return refuse(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", err.to_string()),
    };
    match viewer.require_admin() {
        Ok(()) => {}
        Err(service::Error::Unauthenticated(m)) => {
            return refuse(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", m);
        }
        Err(err) => return refuse(StatusCode::FORBIDDEN, "FORBIDDEN", err.to_string()),
    }
    let outcome =
        backup::create(&state.db, &state.backups_dir, Format::native_for(&state.db)).await;
    crate::metrics::backup_taken(outcome.is_ok());
    match outcome {
        Ok(file) => (
            StatusCode::CREATED,
            Json(serde_json::json!({ "name": file.name, "bytes": file.bytes })),
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "backup over HTTP failed");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "the backup failed; see the server log".into(),
            )
        }
    }
}
