//! `GET /metrics`: the recorder's metrics, with the gauges read at scrape time.

use super::AppState;
use crate::server::metrics::handle;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `GET /metrics`.
pub async fn render(State(state): State<AppState>) -> Response {
    let (open, idle) = service::ops::database::pool_stats(&state.db);
    metrics::gauge!("shopgraph_db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("shopgraph_db_pool_connections", "state" => "in_use")
        .set(f64::from(open.saturating_sub(idle)));
    metrics::gauge!("shopgraph_sql_statements").set(state.statements.get() as f64);
    let writes = service::ops::database::write_health(&state.db).await;
    metrics::gauge!("shopgraph_storage_full")
        .set(f64::from(u8::from(writes.storage_full_since.is_some())));
    metrics::counter!("shopgraph_storage_refused_writes_total").absolute(writes.refused_writes);
    metrics::counter!("shopgraph_db_connections_discarded_total")
        .absolute(writes.discarded_connections);
    if let Some(path) = &state.sqlite_path {
        let size =
            |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len() as f64).unwrap_or(0.0);
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        metrics::gauge!("shopgraph_sqlite_file_bytes", "file" => "database").set(size(path));
        metrics::gauge!("shopgraph_sqlite_file_bytes", "file" => "wal")
            .set(size(std::path::Path::new(&wal)));
    }
    // The newest backup on disk, whoever took it (the server, or `shopgraph backup` beside it).
    if let Ok(Some(newest)) =
        service::ops::backup::list(&state.backups_dir).map(|l| l.into_iter().next())
    {
        metrics::gauge!("shopgraph_last_backup_timestamp_seconds")
            .set(newest.modified.timestamp() as f64);
    }
    let (written, failed) = service::ops::backup::taken();
    for (outcome, n) in [("success", written), ("failure", failed)] {
        // A series appears with its first backup, as it did when counted one by one.
        if n > 0 {
            metrics::counter!("shopgraph_backups_total", "outcome" => outcome).absolute(n);
        }
    }
    // No recorder (start-up logged why): say so, rather than an empty page a scraper would
    // read as "no metrics".
    let Some(recorder) = handle() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics are unavailable\n").into_response();
    };
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        recorder.render(),
    )
        .into_response()
}
