//! Liveness and readiness probes.

use super::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// 200 while the process runs.
pub async fn live() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// 200 when the database answers and writes can commit; 503 with the reason otherwise (the
/// database is unreachable, or its storage is full: reads go on, writes fail until space is
/// freed, and this answers 200 again by itself once there is room).
pub async fn ready(State(state): State<AppState>) -> Response {
    if let Err(err) = service::ops::database::ping(&state.db).await {
        tracing::warn!(error = %err, "readiness check failed");
        let body = serde_json::json!({ "status": "unavailable", "database": "unreachable" });
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
    let writes = service::ops::database::write_health(&state.db).await;
    match writes.storage_full_since {
        None => Json(serde_json::json!({ "status": "ok", "database": "ok", "writes": "ok" }))
            .into_response(),
        Some(since) => {
            let body = serde_json::json!({
                "status": "unavailable",
                "database": "ok",
                "writes": "storage_full",
                "since": since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "reason": "the database's storage is full: writes fail with STORAGE_FULL until space is freed; reads go on",
            });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
