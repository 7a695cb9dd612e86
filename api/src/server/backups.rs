//! Backups the running server takes: on a schedule, and when an admin asks for one.

use service::DatabaseConnection;
use service::backup::{self, Format};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A backup taken by the running server (schedule, mutation, admin endpoint): the database's
/// native format, counted in the metrics by outcome.
pub async fn take(db: &DatabaseConnection, dir: &Path) -> service::Result<backup::BackupFile> {
    let outcome = backup::create(db, dir, Format::native_for(db)).await;
    super::metrics::backup_taken(outcome.is_ok());
    outcome
}

/// Takes a backup every `every` (a snapshot on SQLite, JSON elsewhere) and keeps the newest
/// `keep`, for as long as the process runs.
pub fn schedule(db: DatabaseConnection, dir: PathBuf, every: Duration, keep: usize) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.tick().await; // the first tick is immediate; the first backup comes after `every`
        loop {
            ticks.tick().await;
            match take(&db, &dir).await {
                Ok(file) => {
                    tracing::info!(name = %file.name, "scheduled backup written");
                    if let Err(err) = service::backup::prune(&dir, keep, None) {
                        tracing::warn!(error = %err, "pruning old backups failed");
                    }
                }
                Err(err) => tracing::error!(error = %err, "scheduled backup failed"),
            }
        }
    });
}
