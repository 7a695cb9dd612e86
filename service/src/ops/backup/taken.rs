//! Backups the running server takes, on its schedule or when an admin asks (the GraphQL
//! mutation and the admin endpoint share this one path), counted by outcome for metrics.

use super::{BackupFile, Format, create};
use crate::Result;
use crate::domain::access::Viewer;
use sea_orm::DatabaseConnection;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Backups this process took that were written, and that failed. Per process, as the metrics
/// that report them are.
static WRITTEN: AtomicU64 = AtomicU64::new(0);
static FAILED: AtomicU64 = AtomicU64::new(0);

/// Writes a backup into `dir` in the database's native format (a snapshot on SQLite, JSON
/// elsewhere). Admins only (the schedule takes them as [`Viewer::SYSTEM`]).
#[tracing::instrument(skip(db))]
pub async fn take(db: &DatabaseConnection, viewer: &Viewer, dir: &Path) -> Result<BackupFile> {
    viewer.require_admin()?;
    let outcome = create(db, dir, Format::native_for(db)).await;
    match &outcome {
        Ok(_) => WRITTEN.fetch_add(1, Ordering::Relaxed),
        Err(err) => {
            // Logged here, whoever asked: a failed backup needs an operator's eye.
            tracing::error!(error = %crate::error::Chain(err), "backup failed; nothing of it was kept");
            FAILED.fetch_add(1, Ordering::Relaxed)
        }
    };
    outcome
}

/// How many backups [`take`] has written, and how many failed, since the process started.
pub fn taken() -> (u64, u64) {
    (
        WRITTEN.load(Ordering::Relaxed),
        FAILED.load(Ordering::Relaxed),
    )
}
