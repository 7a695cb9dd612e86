//! Whether writes can commit, per database, as this process has seen it: a full disk (or the
//! SQLite file's size limit) starts an episode that is logged once, shown by readiness and
//! metrics, and ends by itself with the first write that commits again, or when readiness
//! finds room again.
//!
//! Every pool of this process on one database shares one [`Shared`] (found by the file or the
//! server's address), so the server, the CLI's pools and a test's pool agree.

use super::fault::{Fault, classify};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, Weak};
use std::time::{Duration, Instant};

/// What the pools of one database share in this process.
pub(crate) struct Shared {
    /// One SQLite writer at a time (SQLite allows no more anyway); unused elsewhere.
    pub(crate) lane: Arc<tokio::sync::Semaphore>,
    pub(crate) health: Health,
    /// Statements run on this database by any of this process's pools.
    pub(crate) statements: Arc<AtomicU64>,
    /// The SQLite connection every write transaction runs on, while a pool holds it (see
    /// `connect`).
    writer: Mutex<Weak<DatabaseConnection>>,
}

impl Shared {
    /// The writer, if a pool still holds one.
    pub(crate) fn writer(&self) -> Option<Arc<DatabaseConnection>> {
        self.writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .upgrade()
    }

    /// Makes `writer` the one write transactions run on.
    pub(crate) fn set_writer(&self, writer: &Arc<DatabaseConnection>) {
        *self.writer.lock().unwrap_or_else(|e| e.into_inner()) = Arc::downgrade(writer);
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    File(std::path::PathBuf),
    Server(String),
}

/// The [`Shared`] state of `db`'s database.
pub(crate) fn shared(db: &DatabaseConnection) -> Arc<Shared> {
    static ALL: LazyLock<Mutex<HashMap<Key, Arc<Shared>>>> = LazyLock::new(Default::default);
    let key = match db.get_database_backend() {
        DatabaseBackend::Sqlite => Key::File(
            db.get_sqlite_connection_pool()
                .connect_options()
                .get_filename()
                .to_owned(),
        ),
        DatabaseBackend::Postgres => {
            let options = db.get_postgres_connection_pool().connect_options();
            Key::Server(format!(
                "{}:{}/{}",
                options.get_host(),
                options.get_port(),
                options.get_database().unwrap_or_default()
            ))
        }
        _ => Key::Server(String::new()),
    };
    let mut all = ALL.lock().unwrap_or_else(|e| e.into_inner());
    all.entry(key)
        .or_insert_with(|| {
            Arc::new(Shared {
                lane: Arc::new(tokio::sync::Semaphore::new(1)),
                health: Health::default(),
                statements: Arc::default(),
                writer: Mutex::default(),
            })
        })
        .clone()
}

/// The write health of one database.
#[derive(Default)]
pub(crate) struct Health {
    /// Set while an episode runs: the one thing a commit reads.
    full: AtomicBool,
    episode: Mutex<Option<Episode>>,
    refused: AtomicU64,
    discarded: AtomicU64,
    /// The WAL should be checkpointed and truncated (SQLite): it may have grown for as long as
    /// checkpoints could not write, and holds that space until truncated.
    truncate_wal: AtomicBool,
}

struct Episode {
    since: DateTime<Utc>,
    started: Instant,
    last_refusal: Instant,
    refused: u64,
}

/// What readiness and metrics show about writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteHealth {
    /// Since when writes fail for lack of room (none: they commit, as far as is known).
    pub storage_full_since: Option<DateTime<Utc>>,
    /// Write transactions refused for lack of room since the process started.
    pub refused_writes: u64,
    /// Pooled connections closed because they were still inside a transaction when returned
    /// or handed out (each would otherwise have carried one request's uncommitted work into
    /// the next).
    pub discarded_connections: u64,
}

impl Health {
    /// Notes a failed statement or commit of a write: a full storage starts (or continues) an
    /// episode.
    pub(crate) fn saw(&self, err: &DbErr) {
        if classify(err) == Fault::StorageFull {
            self.storage_full(err, true);
        }
    }

    /// Storage is full; `refused`: a write was turned away for it (not a checkpoint).
    pub(crate) fn storage_full(&self, cause: &dyn std::fmt::Display, refused: bool) {
        if refused {
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
        let mut episode = self.episode.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        match episode.as_mut() {
            Some(running) => {
                running.last_refusal = now;
                running.refused += u64::from(refused);
            }
            None => {
                // Once per episode, not once per request: under load a full disk would
                // otherwise write a line for every refused write, onto the same full disk.
                tracing::error!(
                    cause = %cause,
                    "the database's storage is full: writes fail with STORAGE_FULL until space is freed; reads go on"
                );
                *episode = Some(Episode {
                    since: Utc::now(),
                    started: now,
                    last_refusal: now,
                    refused: u64::from(refused),
                });
                self.full.store(true, Ordering::Release);
                self.truncate_wal.store(true, Ordering::Release);
            }
        }
    }

    /// A write committed: an episode, if one ran, is over.
    pub(crate) fn committed(&self) {
        if self.full.load(Ordering::Acquire) {
            self.heal("a write committed");
        }
    }

    /// Ends the episode, if one runs.
    pub(crate) fn heal(&self, how: &str) {
        let ended = self
            .episode
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        self.full.store(false, Ordering::Release);
        if let Some(episode) = ended {
            tracing::info!(
                how,
                after_secs = episode.started.elapsed().as_secs(),
                refused_writes = episode.refused,
                "the database's storage has room again: writes commit"
            );
        }
    }

    /// Whether an episode runs; `None` when writes commit as far as is known, else how long
    /// ago the last write was refused.
    pub(crate) fn last_refusal(&self) -> Option<Duration> {
        if !self.full.load(Ordering::Acquire) {
            return None;
        }
        let episode = self.episode.lock().unwrap_or_else(|e| e.into_inner());
        episode.as_ref().map(|e| e.last_refusal.elapsed())
    }

    /// A connection was closed for still being inside a transaction; returns whether a
    /// storage episode explains it.
    pub(crate) fn discarded(&self) -> bool {
        self.discarded.fetch_add(1, Ordering::Relaxed);
        self.full.load(Ordering::Acquire)
    }

    /// Whether the WAL should be truncated; see [`Health::wal_truncated`].
    pub(crate) fn wants_wal_truncated(&self) -> bool {
        self.truncate_wal.load(Ordering::Acquire)
    }

    /// The WAL was checkpointed and truncated; it is asked for again by the next episode.
    pub(crate) fn wal_truncated(&self) {
        if !self.full.load(Ordering::Acquire) {
            self.truncate_wal.store(false, Ordering::Release);
        }
    }

    pub(crate) fn report(&self) -> WriteHealth {
        let since = if self.full.load(Ordering::Acquire) {
            let episode = self.episode.lock().unwrap_or_else(|e| e.into_inner());
            episode.as_ref().map(|e| e.since)
        } else {
            None
        };
        WriteHealth {
            storage_full_since: since,
            refused_writes: self.refused.load(Ordering::Relaxed),
            discarded_connections: self.discarded.load(Ordering::Relaxed),
        }
    }
}

/// Pages a write may still take (under the file's cap or free inside it) before readiness
/// believes writes fit again: a checkout group takes about a hundred.
const ROOM_PAGES: i64 = 128;
/// Bytes free on the file system before readiness believes writes fit again.
const ROOM_BYTES: u64 = 4 << 20;
/// PostgreSQL's disk cannot be looked at from here: readiness stops reporting it full this
/// long after the last write it refused, and the writes that come then find out.
const SERVER_RECHECK: Duration = Duration::from_secs(30);

/// How writes fare on `db`'s database. While an episode of full storage runs, first looks
/// whether there is room again (SQLite: pages under the file's cap or free inside it, and free
/// bytes on its file system) and ends the episode if so, so that readiness recovers without
/// waiting for a write that a load balancer would no longer send.
pub async fn write_health(db: &DatabaseConnection) -> WriteHealth {
    let shared = shared(db);
    if let Some(ago) = shared.health.last_refusal()
        && let Some(how) = room_again(db, ago).await
    {
        shared.health.heal(how);
    }
    shared.health.report()
}

async fn room_again(db: &DatabaseConnection, ago: Duration) -> Option<&'static str> {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return (ago >= SERVER_RECHECK).then_some("no write was refused for 30 s");
    }
    let pragma = |name: &'static str| async move {
        let row = db
            .query_one_raw(Statement::from_string(
                DatabaseBackend::Sqlite,
                format!("PRAGMA {name}"),
            ))
            .await
            .ok()??;
        row.try_get_by_index::<i64>(0).ok()
    };
    let capped = pragma("max_page_count").await? - pragma("page_count").await?;
    let pages = capped.max(0) + pragma("freelist_count").await?;
    let file = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_owned();
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    let disk = free_bytes(&dir).unwrap_or(u64::MAX);
    (pages >= ROOM_PAGES && disk >= ROOM_BYTES).then_some("space was freed")
}

/// Bytes free for this process on the file system holding `path` (what an unprivileged
/// writer may still use), when the platform can tell.
pub fn free_bytes(path: &std::path::Path) -> Option<u64> {
    #[cfg(unix)]
    {
        let stat = rustix::fs::statvfs(path).ok()?;
        Some(stat.f_bavail.saturating_mul(stat.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_episode_runs_from_the_first_refusal_to_the_first_commit() {
        let health = Health::default();
        health.committed();
        assert_eq!(health.report(), WriteHealth::default());
        assert!(health.last_refusal().is_none());

        health.storage_full(&"disk full", true);
        health.storage_full(&"disk full", true);
        health.storage_full(&"checkpoint: disk full", false);
        let report = health.report();
        assert!(report.storage_full_since.is_some());
        assert_eq!(report.refused_writes, 2);
        assert!(health.last_refusal().is_some());
        assert!(health.wants_wal_truncated());
        // The WAL is truncated again only once the episode is over.
        health.wal_truncated();
        assert!(health.wants_wal_truncated());

        health.committed();
        let report = health.report();
        assert_eq!(report.storage_full_since, None);
        assert_eq!(report.refused_writes, 2, "the total is kept");
        assert!(health.wants_wal_truncated());
        health.wal_truncated();
        assert!(!health.wants_wal_truncated());
    }
}
