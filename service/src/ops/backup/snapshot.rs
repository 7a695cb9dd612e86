//! SQLite snapshots: `VACUUM INTO` writes a consistent copy from one read transaction, so it is
//! safe while the server keeps writing (WAL lets writers go on meanwhile).

use super::{Format, Verified};
use crate::{Error, Result, store::db};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use std::path::Path;
use std::time::Duration;

pub(super) async fn vacuum_into(db: &DatabaseConnection, path: &Path) -> Result<()> {
    let target = path
        .to_str()
        .ok_or_else(|| Error::invalid("path", "backup path must be UTF-8"))?;
    if path.exists() {
        std::fs::remove_file(path).map_err(|e| Error::io("remove", path, e))?;
    }
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Sqlite,
        "VACUUM INTO ?",
        [target.into()],
    ))
    .await?;
    Ok(())
}

/// Opens a snapshot read-only on its own small pool.
async fn open(path: &Path) -> Result<DatabaseConnection> {
    let path = path
        .to_str()
        .ok_or_else(|| Error::invalid("path", "backup path must be UTF-8"))?;
    let config = db::DbConfig {
        url: format!("sqlite://{path}?mode=ro"),
        max_connections: 1,
        min_connections: 1,
        connect_timeout: Duration::from_secs(5),
        acquire_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(60),
        slow_statement: Duration::from_secs(10),
        sqlite_max_bytes: None,
    };
    db::connect_readonly_sqlite(&config).await
}

pub(super) async fn verify(path: &Path) -> Result<Verified> {
    let snapshot = open(path).await?;
    let row = snapshot
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await?;
    let verdict: String = row
        .map(|r| r.try_get_by_index(0))
        .transpose()?
        .unwrap_or_default();
    if verdict != "ok" {
        return Err(Error::invalid(
            "file",
            format!("integrity check failed: {verdict}"),
        ));
    }
    let dump = super::export(&snapshot).await?;
    snapshot.close().await?;
    Ok(Verified {
        format: Format::Snapshot,
        tables: dump
            .tables
            .iter()
            .map(|t| (t.name.clone(), t.row_count))
            .collect(),
    })
}

pub(super) async fn read(path: &Path) -> Result<super::Dump> {
    let snapshot = open(path).await?;
    let dump = super::export(&snapshot).await?;
    snapshot.close().await?;
    Ok(dump)
}
