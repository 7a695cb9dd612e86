//! SQLite WAL checkpoints: in the background while the server runs, and a full one at
//! shutdown. Nothing to do on PostgreSQL.

use super::fault::{Fault, classify_sqlx};
use super::health::shared;
use crate::Result;
use sea_orm::sqlx::{self, Connection, sqlite::SqliteConnection};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use std::time::Duration;

/// On SQLite, moves everything in the WAL into the database file and empties the WAL (at
/// shutdown, so the file on disk is complete on its own). Nothing to do elsewhere.
pub async fn checkpoint(db: &DatabaseConnection) -> Result<()> {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return Ok(());
    }
    // A checkpoint still running elsewhere (the background one, just stopped) makes this one
    // answer "busy" rather than wait: try again for a moment.
    for _ in 0..40 {
        let row = db
            .query_one_raw(Statement::from_string(
                DatabaseBackend::Sqlite,
                "PRAGMA wal_checkpoint(TRUNCATE)",
            ))
            .await?;
        let busy = row
            .and_then(|r| r.try_get_by_index::<i64>(0).ok())
            .unwrap_or(0);
        if busy == 0 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tracing::warn!("the WAL could not be truncated: another connection kept it busy");
    Ok(())
}

/// How long a truncating checkpoint waits for readers before trying again at the next tick:
/// it holds the write lane meanwhile.
const TRUNCATE_PATIENCE_MS: u32 = 100;

/// On SQLite, copies the WAL into the database file every `every`, in the background, so that
/// commits seldom reach the auto-checkpoint threshold (see `connect`) and do that work while
/// they hold the write lock, with every writer queued behind them.
///
/// A `PASSIVE` checkpoint waits for no one and blocks no one. After the storage ran full the
/// WAL may have grown far past its usual size (checkpoints could not write), and keeps that
/// space until truncated: then each tick tries a `TRUNCATE` checkpoint instead, between two
/// of this process's writes, until one succeeds (on a disk freed meanwhile, that alone may give
/// writes their room back). It runs on a connection of its own, outside the pool, so it takes
/// no pooled connection and no statement is counted for it; a failure is logged when it
/// starts and when it ends, not at every tick. Returns `None` elsewhere; abort the task to
/// stop it.
pub fn checkpoint_in_background(
    db: &DatabaseConnection,
    every: Duration,
) -> Option<tokio::task::JoinHandle<()>> {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return None;
    }
    let options = db.get_sqlite_connection_pool().connect_options();
    let shared = shared(db);
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut conn: Option<SqliteConnection> = None;
        let mut failing: Option<String> = None;
        loop {
            ticks.tick().await;
            if conn.is_none() {
                let opened = async {
                    let mut opened = SqliteConnection::connect_with(&options).await?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "PRAGMA busy_timeout = {TRUNCATE_PATIENCE_MS}"
                    )))
                    .execute(&mut opened)
                    .await?;
                    Ok::<_, sqlx::Error>(opened)
                };
                match opened.await {
                    Ok(opened) => conn = Some(opened),
                    Err(err) => {
                        note_failure(
                            &mut failing,
                            &err,
                            "cannot open a connection for WAL checkpoints",
                        );
                        continue;
                    }
                }
            }
            let Some(open) = conn.as_mut() else {
                continue;
            };
            let truncate = shared.health.wants_wal_truncated();
            let done = if truncate {
                let _turn = shared.lane.acquire().await;
                sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(TRUNCATE)")
                    .fetch_one(&mut *open)
                    .await
            } else {
                sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
                    .fetch_one(&mut *open)
                    .await
            };
            match done {
                Ok((busy, _, _)) => {
                    if failing.take().is_some() {
                        tracing::info!("background WAL checkpoints succeed again");
                    }
                    if truncate && busy == 0 {
                        shared.health.wal_truncated();
                    }
                }
                Err(err) => {
                    let full = classify_sqlx(&err) == Fault::StorageFull;
                    if full {
                        shared.health.storage_full(&err, false);
                    }
                    note_failure(&mut failing, &err, "background WAL checkpoint failed");
                    if !full {
                        // Start over on a fresh connection; a full disk is no fault of this one.
                        conn = None;
                    }
                }
            }
        }
    }))
}

/// Logs `err` unless the failure before it said the same.
fn note_failure(failing: &mut Option<String>, err: &sqlx::Error, what: &str) {
    let text = err.to_string();
    if failing.as_deref() != Some(text.as_str()) {
        tracing::warn!(error = %text, "{what}");
        *failing = Some(text);
    }
}
