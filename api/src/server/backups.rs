//! Backups the running server takes on a schedule (admins ask for one through
//! `service::ops::backup::take`, as the schedule does).

use service::DatabaseConnection;
use service::access::Viewer;
use std::path::PathBuf;
use std::time::Duration;

/// Takes a backup every `every` (a snapshot on SQLite, JSON elsewhere) and keeps the newest
/// `keep`, for as long as the process runs.
pub fn schedule(db: DatabaseConnection, dir: PathBuf, every: Duration, keep: usize) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.tick().await; // the first tick is immediate; the first backup comes after `every`
        loop {
            ticks.tick().await;
            // A failure is logged by `take`.
            if let Ok(file) = service::ops::backup::take(&db, &Viewer::SYSTEM, &dir).await {
                tracing::info!(name = %file.name, "scheduled backup written");
                if let Err(err) = service::ops::backup::prune(&dir, keep, None) {
                    tracing::warn!(error = %err, "pruning old backups failed");
                }
            }
        }
    });
}
