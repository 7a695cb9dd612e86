//! Opening the database (SQLite or PostgreSQL from one URL), running migrations, and starting
//! write transactions the same way everywhere.
//!
//! What a database error means lives in [`fault`]; whether writes can commit (a full disk) in
//! [`health`]; the pool's promise that no connection carries a transaction from one use to
//! the next in `guard`.

mod checkpoint;
pub mod fault;
mod guard;
pub mod health;

pub use checkpoint::{checkpoint, checkpoint_in_background};
pub use health::{WriteHealth, free_bytes, write_health};

use crate::Result;
use fault::Unavailable;
use health::{Shared, shared};
use migration::{Migrator, MigratorTrait};
use sea_orm::ColumnTrait;
use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::sqlx::sqlite::{SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sea_orm::sqlx::{self, Postgres, Sqlite};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, ExecResult, QueryResult, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How to reach the database and size its pool.
#[derive(Clone, Debug)]
pub struct DbConfig {
    /// `sqlite://path?mode=rwc` or `postgres://user@host/db`.
    pub url: String,
    /// Largest number of pooled connections.
    pub max_connections: u32,
    /// Connections kept open when idle.
    pub min_connections: u32,
    /// How long to wait for a new connection to open.
    pub connect_timeout: Duration,
    /// How long a request may wait for a free pooled connection.
    pub acquire_timeout: Duration,
    /// Close connections idle for longer than this.
    pub idle_timeout: Duration,
    /// Statements slower than this are logged as warnings.
    pub slow_statement: Duration,
    /// Largest size the SQLite file may grow to (SQLite's `max_page_count`); a write that
    /// needs more fails like one on a full disk. `None`: only the disk limits it.
    pub sqlite_max_bytes: Option<u64>,
}

#[cfg(test)]
impl DbConfig {
    /// A new SQLite file in `dir`, with pools of at most `max_connections`, for unit tests.
    pub(crate) fn test_sqlite(dir: &tempfile::TempDir, max_connections: u32) -> Self {
        Self {
            url: format!("sqlite://{}/test.db?mode=rwc", dir.path().display()),
            max_connections,
            min_connections: 1,
            connect_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(60),
            slow_statement: Duration::from_secs(5),
            sqlite_max_bytes: None,
        }
    }
}

/// Counts every SQL statement this process runs on the database, through any of its pools;
/// the N+1 tests and the benchmark read it.
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements run since the first pool on the database opened.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// An open pool and its statement counter.
pub struct Connected {
    pub db: DatabaseConnection,
    pub statements: StatementCounter,
}

/// Which database a URL names.
pub fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// Rows a SQLite connection's worker thread may run ahead of the task reading them. At sqlx's
/// default of 50, a nested page of 550 rows stopped the worker eleven times, each a sleep and a
/// wake-up on both sides; a page of ours is at most 100 parents x 101 rows.
pub const ROW_BUFFER: usize = 10_240;

/// Opens the pool.
///
/// SQLite gets `journal_mode=WAL` (readers never block the writer), `synchronous=NORMAL`
/// (safe with WAL, far fewer fsyncs than sqlx's FULL default), `foreign_keys=ON` (off by
/// default in SQLite) and `busy_timeout=5s` on every pooled connection, because those are
/// per-connection settings and SeaORM's defaults would give one connection with none of them.
///
/// Unless the pool is held to one connection, SQLite's write transactions run on one more
/// connection of their own, with larger caches (`WRITER`), shared by every
/// pool of this process on the same file and kept open while one of them is. SQLite empties
/// a connection's page cache whenever another connection has committed since its last
/// transaction: with writes spread over the pool, each began by reading its pages again
/// (W1, three alternating 8 s runs: 2,678, 2,718 and 2,679 orders/s against 3,121, 3,082
/// and 2,929 with the writer).
pub async fn connect(config: &DbConfig) -> Result<Connected> {
    let sqlite = is_sqlite(&config.url);
    let late = guard::Late::default();
    let owned = Owned::default();
    let mut options = pool_options(config, config.max_connections, READER);
    install_guards(&mut options, &late, config.sqlite_max_bytes, &owned);
    let mut db = Database::connect(options).await?;
    let shared = shared(&db);
    let _ = late.set(shared.clone());
    count_statements(&mut db, &shared, config.slow_statement);
    if sqlite && config.max_connections > 1 {
        let writer = match shared.writer() {
            Some(writer) => writer,
            None => {
                let mut options = pool_options(config, 1, WRITER);
                install_guards(
                    &mut options,
                    &late,
                    config.sqlite_max_bytes,
                    &Owned::default(),
                );
                let mut writer = Database::connect(options).await?;
                count_statements(&mut writer, &shared, config.slow_statement);
                let writer = Arc::new(writer);
                shared.set_writer(&writer);
                writer
            }
        };
        let _ = owned.set(writer);
    }
    Ok(Connected {
        db,
        statements: StatementCounter(shared.statements.clone()),
    })
}

/// How large a SQLite connection's caches are.
#[derive(Clone, Copy)]
struct Caches {
    /// Its page cache, in KiB.
    pages_kib: u32,
    /// How many prepared statements it keeps.
    statements: usize,
}

/// Each pooled connection: a page cache of 1 MiB instead of SQLite's 2 (on data larger than
/// the caches, the pages they miss come from the OS's file cache anyway), sqlx's 100
/// statements.
const READER: Caches = Caches {
    pages_kib: 1024,
    statements: 100,
};

/// The connection that writes. The pages a stream of orders writes (the ends of the orders'
/// and items' tables, their indexes, the customers' rows) stay in its 16 MiB from one
/// transaction to the next. A checkout group's multi-row statements differ in text with the
/// group's size, several hundred of them in all: with sqlx's 100, each was prepared again
/// (W1, alternating 8 s runs: 3,065 and 3,179 orders/s against 3,423 and 3,387 with 1,000;
/// peak RSS 72 against 110 MB).
const WRITER: Caches = Caches {
    pages_kib: 16 * 1024,
    statements: 1000,
};

/// The writer a pool keeps open (see `connect`); set once it is open.
type Owned = Arc<std::sync::OnceLock<Arc<DatabaseConnection>>>;

/// The options of a pool of at most `max_connections`, each with `caches` on SQLite.
fn pool_options(config: &DbConfig, max_connections: u32, caches: Caches) -> ConnectOptions {
    let mut options = ConnectOptions::new(config.url.clone());
    options
        .max_connections(max_connections)
        .min_connections(config.min_connections.min(max_connections))
        .connect_timeout(config.connect_timeout)
        .acquire_timeout(config.acquire_timeout)
        .idle_timeout(config.idle_timeout)
        .sqlx_logging(false);
    if is_sqlite(&config.url) {
        // A pooled SQLite connection is a file handle in this process: it cannot go stale, and
        // pinging it before every statement is one more hop to its worker thread.
        options.test_before_acquire(false);
    } else {
        // A server connection can: check one that sat idle, not every one on every statement.
        options.test_before_acquire_if_idle_for(Duration::from_secs(30));
    }
    options.map_sqlx_sqlite_opts(move |opts| {
        opts.create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // The commit that finds the WAL this many pages long copies it into the database
            // file while it holds the write lock. At the default 1,000, under a stream of
            // orders that work was a tenth of the server's profile, all of it in the lane; the
            // server checkpoints in the background instead (`checkpoint_in_background`), and
            // this stays as the bound for when it falls behind, or for the CLI (40 MB of WAL).
            .pragma("wal_autocheckpoint", "10000")
            // ROW_BUFFER (below).
            .row_buffer_size(ROW_BUFFER)
            .pragma("cache_size", format!("-{}", caches.pages_kib))
            .statement_cache_capacity(caches.statements)
            // Statement journals (each multi-row INSERT or UPDATE inside a transaction keeps
            // one, so it can be undone alone) and sorts in memory rather than in temporary
            // files: a checkout group is several such statements. W1 A/B with wrk, six
            // alternating rounds: 2,370 -> 2,593 orders/s. Our sorts are pages (at most
            // 100 x 101 rows) and top-N sorts bounded by their LIMIT.
            .pragma("temp_store", "memory")
    });
    options
}

/// Counts `db`'s statements into `shared`'s counter and logs the slow ones.
fn count_statements(db: &mut DatabaseConnection, shared: &Shared, slow: Duration) {
    let counter = shared.statements.clone();
    db.set_metric_callback(move |info| {
        counter.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(target: "service::sql", elapsed_us = info.elapsed.as_micros() as u64, sql = %info.statement.sql, "statement");
        if info.elapsed >= slow {
            // The SQL text only, never the bound values: those may be personal data.
            tracing::warn!(
                elapsed_ms = info.elapsed.as_millis() as u64,
                failed = info.failed,
                sql = %info.statement.sql,
                "slow SQL statement"
            );
        }
    });
}

/// Makes the pool close any connection still inside a transaction (see `guard`) and, with
/// `sqlite_max_bytes`, caps the SQLite file on every connection it opens. The pool's hooks
/// also hold `owned`, so its writer stays open for as long as the pool.
fn install_guards(
    options: &mut ConnectOptions,
    late: &guard::Late,
    sqlite_max_bytes: Option<u64>,
    owned: &Owned,
) {
    let out = late.clone();
    options.map_sqlx_sqlite_before_acquire(move |conn, _| {
        let fit = guard::may_hand_out::<Sqlite>(conn, &out);
        Box::pin(async move { Ok(fit) })
    });
    let out = late.clone();
    options.map_sqlx_postgres_before_acquire(move |conn, _| {
        let fit = guard::may_hand_out::<Postgres>(conn, &out);
        Box::pin(async move { Ok(fit) })
    });
    let back = late.clone();
    let owned = owned.clone();
    options.map_sqlx_sqlite_pool_opts(move |pool| {
        let back = back.clone();
        let owned = owned.clone();
        let pool = pool.after_release(move |conn, _| {
            let _held_for_the_pools_lifetime = &owned;
            let back = back.clone();
            Box::pin(async move { guard::may_return::<Sqlite>(conn, &back).await })
        });
        match sqlite_max_bytes {
            Some(max) => pool.after_connect(move |conn, _| Box::pin(limit_size(conn, max))),
            None => pool,
        }
    });
    let back = late.clone();
    options.map_sqlx_postgres_pool_opts(move |pool| {
        let back = back.clone();
        pool.after_release(move |conn, _| {
            let back = back.clone();
            Box::pin(async move { guard::may_return::<Postgres>(conn, &back).await })
        })
    });
}

/// Caps the file at `max_bytes` for this connection (`max_page_count` counts pages, whose size
/// the file decides).
async fn limit_size(conn: &mut SqliteConnection, max_bytes: u64) -> Result<(), sqlx::Error> {
    let page_size: i64 = sqlx::query_scalar("PRAGMA page_size")
        .fetch_one(&mut *conn)
        .await?;
    let pages = max_bytes / page_size.max(512) as u64;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "PRAGMA max_page_count = {pages}"
    )))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Opens a SQLite file read-only, leaving its settings alone (for checking backups).
pub async fn connect_readonly_sqlite(config: &DbConfig) -> Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(config.url.clone());
    options
        .max_connections(1)
        .min_connections(1)
        .connect_timeout(config.connect_timeout)
        .acquire_timeout(config.acquire_timeout)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| opts.read_only(true).create_if_missing(false));
    Ok(Database::connect(options).await?)
}

/// Starts a transaction that will write.
///
/// On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken up front, so concurrent writers
/// queue on `busy_timeout` instead of failing with "database is locked" when a deferred
/// transaction tries to upgrade from reader to writer. Writers of this process first take
/// turns on [`WriteTxn`]'s lane, so they queue in arrival order without ever reaching that
/// busy handler, which sleeps 1–100 ms between tries and leaves the lock idle meanwhile; only
/// other processes (a second server, the CLI) still meet it.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTxn> {
    let shared = shared(db);
    let lane = match db.get_database_backend() {
        DatabaseBackend::Sqlite => shared.lane.clone().acquire_owned().await.ok(),
        _ => None,
    };
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    // On SQLite's writer, when a pool keeps one (see `connect`).
    let writer = shared.writer();
    let txn = writer
        .as_deref()
        .unwrap_or(db)
        .begin_with_options(options)
        .await?;
    Ok(WriteTxn {
        txn,
        shared,
        failed: AtomicBool::new(false),
        _lane: lane,
    })
}

/// A write transaction, holding this process's SQLite write lane until it is committed or
/// dropped (rolled back).
///
/// Once one of its statements fails, it runs nothing more and cannot commit: after a full disk
/// or an I/O error SQLite may already have rolled the whole transaction back, so a later
/// statement would run (and commit) on its own, outside it. Dropping it rolls back; a
/// connection whose rollback cannot happen is closed by the pool (`guard`).
pub struct WriteTxn {
    txn: DatabaseTransaction,
    shared: Arc<Shared>,
    failed: AtomicBool,
    _lane: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl WriteTxn {
    /// Commits, then lets the next writer in.
    ///
    /// A PostgreSQL connection lost while its `COMMIT` was on the way leaves the outcome
    /// unknown (the server may have committed before the connection broke): that is
    /// [`crate::Error::Unavailable`] with `outcome_unknown`, never retried here.
    pub async fn commit(self) -> Result<()> {
        if self.has_failed() {
            return Err(crate::Error::Invariant {
                what: "a transaction was committed after one of its statements failed",
            });
        }
        let backend = self.txn.get_database_backend();
        let health = self.shared.clone();
        match self.txn.commit().await {
            Ok(()) => {
                health.health.committed();
                Ok(())
            }
            Err(err) => {
                health.health.saw(&err);
                let lost = matches!(
                    fault::classify(&err),
                    fault::Fault::Unavailable(
                        Unavailable::ConnectionLost | Unavailable::Restarting
                    )
                );
                if lost && backend == DatabaseBackend::Postgres {
                    return Err(crate::Error::Unavailable {
                        reason: Unavailable::ConnectionLost,
                        outcome_unknown: true,
                        cause: Arc::new(err),
                    });
                }
                Err(err.into())
            }
        }
    }

    fn has_failed(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }

    /// Refuses a statement after a failed one. `ConnectionTrait` can only answer a `DbErr`, and
    /// this is the database's own answer on PostgreSQL ("current transaction is aborted").
    fn usable(&self) -> std::result::Result<(), DbErr> {
        if self.has_failed() {
            return Err(DbErr::Custom(
                "a statement of this transaction failed; it can only be rolled back".into(),
            ));
        }
        Ok(())
    }

    /// Passes `outcome` on, first noting a failure (the transaction is done for; a full
    /// storage is reported to the database's health).
    fn noted<T>(&self, outcome: std::result::Result<T, DbErr>) -> std::result::Result<T, DbErr> {
        if let Err(err) = &outcome {
            self.failed.store(true, Ordering::Release);
            self.shared.health.saw(err);
        }
        outcome
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> std::result::Result<ExecResult, DbErr> {
        self.usable()?;
        self.noted(self.txn.execute_raw(stmt).await)
    }

    async fn execute_unprepared(&self, sql: &str) -> std::result::Result<ExecResult, DbErr> {
        self.usable()?;
        self.noted(self.txn.execute_unprepared(sql).await)
    }

    async fn query_one_raw(
        &self,
        stmt: Statement,
    ) -> std::result::Result<Option<QueryResult>, DbErr> {
        self.usable()?;
        self.noted(self.txn.query_one_raw(stmt).await)
    }

    async fn query_all_raw(&self, stmt: Statement) -> std::result::Result<Vec<QueryResult>, DbErr> {
        self.usable()?;
        self.noted(self.txn.query_all_raw(stmt).await)
    }
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

/// `CASE WHEN id = k1 THEN v1 WHEN id = k2 THEN v2 … ELSE otherwise END`: one value per row
/// in a statement that changes many rows by different amounts.
pub(crate) fn case_by_id<C, V>(id: C, values: &BTreeMap<i32, V>, otherwise: V) -> Expr
where
    C: ColumnTrait,
    V: Into<sea_orm::Value> + Copy,
{
    values
        .iter()
        .fold(CaseStatement::new(), |case, (&key, &value)| {
            case.case(id.eq(key), value)
        })
        .finally(otherwise)
        .into()
}

/// How many times a write is tried when the database reports a transient conflict.
pub const MAX_ATTEMPTS: u32 = 5;

/// Runs `attempt` (one whole transaction) again when the database reports a serialization
/// failure or deadlock (PostgreSQL) or a busy database (SQLite), at most [`MAX_ATTEMPTS`]
/// times with a short growing pause. Any other outcome is returned as it is.
pub async fn with_retries<T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut tries = 1;
    loop {
        match attempt().await {
            Err(crate::Error::Unavailable {
                reason: Unavailable::Contention,
                outcome_unknown: false,
                cause,
            }) if tries < MAX_ATTEMPTS => {
                tracing::warn!(error = %cause, tries, "transient database conflict, retrying");
                tokio::time::sleep(Duration::from_millis(5 * u64::from(tries))).await;
                tries += 1;
            }
            outcome => return outcome,
        }
    }
}

/// Tables whose id comes from an auto-increment sequence.
const SEQUENCED_TABLES: [&str; 7] = [
    "users",
    "roles",
    "posts",
    "products",
    "orders",
    "order_items",
    "point_transactions",
];

/// Sets every auto-increment sequence just past the largest id in its table, after rows were
/// written with explicit ids (restores, generated data), so the next insert never collides.
pub async fn reset_sequences(txn: &impl ConnectionTrait) -> Result<()> {
    let backend = txn.get_database_backend();
    for name in SEQUENCED_TABLES {
        let sql = match backend {
            DatabaseBackend::Postgres => format!(
                "SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            ),
            _ => format!(
                "UPDATE sqlite_sequence SET seq = COALESCE((SELECT MAX(id) FROM {name}), 0) WHERE name = '{name}'"
            ),
        };
        txn.execute_raw(Statement::from_string(backend, sql))
            .await?;
    }
    Ok(())
}

/// Refreshes the query planner's statistics after a bulk load (generated data, a restore).
///
/// PostgreSQL plans from them, and autovacuum gathers them only some time after a load: until
/// then it believes a 100,000-row table is nearly empty and picks plans accordingly (the nested
/// posts page took 24 ms instead of 1 ms on freshly generated data). SQLite's planner does well
/// on its own defaults for this schema, and statistics there would only change plans that were
/// measured without them, so nothing is done.
pub async fn refresh_statistics(db: &impl ConnectionTrait) -> Result<()> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}

/// Pooled connections: (open, idle).
pub fn pool_stats(db: &DatabaseConnection) -> (u32, u32) {
    // The pool getters panic on the other backend, so ask which one it is first.
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        _ => (0, 0),
    }
}

/// Answers whether the database responds (readiness probe).
pub async fn ping(db: &DatabaseConnection) -> Result<()> {
    Ok(db.ping().await?)
}

/// One migration's name and whether it has been applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationState {
    pub name: String,
    pub applied: bool,
}

/// Every known migration, oldest first, with its state.
pub async fn migration_status(db: &DatabaseConnection) -> Result<Vec<MigrationState>> {
    let all = Migrator::get_migration_with_status(db).await?;
    Ok(all
        .iter()
        .map(|m| MigrationState {
            name: m.name().to_owned(),
            applied: m.status() == migration::MigrationStatus::Applied,
        })
        .collect())
}

/// Name of the migration that creates the first tables: seeing it applied means the database
/// was new.
pub const FIRST_MIGRATION: &str = "m20261123_000001_create_users_and_roles";

/// A migration that was applied and how long it took.
#[derive(Clone, Debug)]
pub struct Applied {
    pub name: String,
    pub duration: Duration,
}

/// Key of the PostgreSQL advisory lock held while migrating (any constant; ours spells "shopgrph").
const MIGRATION_LOCK_KEY: i64 = 0x73686f7067727068;

/// How many of `M`'s migrations are applied to `db`, and how many are pending.
pub(crate) async fn migration_counts<M: MigratorTrait>(
    db: &DatabaseConnection,
) -> Result<(usize, usize)> {
    let statuses = M::get_migration_with_status(db).await?;
    let applied = statuses
        .iter()
        .filter(|m| m.status() == migration::MigrationStatus::Applied)
        .count();
    Ok((applied, statuses.len() - applied))
}

/// Applies every pending migration in one transaction, one step at a time so each is logged
/// with its duration. Any failure rolls back all of them and names the migration that failed.
///
/// The transaction also serialises concurrent start-ups: on SQLite it is `BEGIN IMMEDIATE`
/// (a second process waits for the write lock), on PostgreSQL it first takes a
/// transaction-scoped advisory lock. Either way the second instance then finds nothing pending.
/// (`crate::ops::migrate` takes a backup first.)
pub(crate) async fn apply_pending<M: MigratorTrait>(
    db: &DatabaseConnection,
) -> Result<Vec<Applied>> {
    let txn = begin_write(db).await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"),
        ))
        .await?;
    }
    let mut applied = Vec::new();
    loop {
        let pending = M::get_pending_migrations(&txn).await?;
        let Some(next) = pending.first() else { break };
        let name = next.name().to_owned();
        let started = Instant::now();
        if let Err(err) = M::up(&*txn, Some(1)).await {
            tracing::error!(migration = %name, error = %crate::error::Chain(&err), "migration failed; rolling back every migration of this run");
            return Err(crate::Error::Migration { name, source: err });
        }
        let duration = started.elapsed();
        tracing::info!(migration = %name, duration_ms = duration.as_secs_f64() * 1000.0, "applied migration");
        applied.push(Applied { name, duration });
    }
    if !applied.is_empty() {
        check_constraints(&txn).await?;
    }
    txn.commit().await?;
    Ok(applied)
}

/// Before a migration run commits: every foreign key must still hold (SQLite checks them
/// lazily for schema changes) and, on PostgreSQL, no constraint may be left unvalidated.
async fn check_constraints(txn: &impl ConnectionTrait) -> Result<()> {
    let backend = txn.get_database_backend();
    let (sql, what) = match backend {
        DatabaseBackend::Sqlite => ("PRAGMA foreign_key_check", "rows break foreign keys"),
        _ => (
            "SELECT conname FROM pg_constraint WHERE NOT convalidated",
            "constraints are not validated",
        ),
    };
    let broken = txn
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    if !broken.is_empty() {
        return Err(crate::Error::MigrationBrokeConstraints {
            count: broken.len(),
            what,
        });
    }
    Ok(())
}

/// Rolls back the last `steps` applied migrations.
pub async fn migrate_down(config: &DbConfig, steps: u32) -> Result<()> {
    let db = connect_single(config).await?;
    let outcome = Migrator::down(&db, Some(steps)).await;
    db.close().await?;
    Ok(outcome?)
}

/// Drops every table and applies all migrations again.
pub async fn migrate_fresh(config: &DbConfig) -> Result<()> {
    let db = connect_single(config).await?;
    let outcome = Migrator::fresh(&db).await;
    db.close().await?;
    Ok(outcome?)
}

/// A pool of exactly one connection, for schema changes: the migrator sets per-connection
/// state (SQLite's `PRAGMA foreign_keys = OFF` before dropping tables) that must apply to the
/// statements that follow it, which a larger pool would spread over other connections.
pub(crate) async fn connect_single(config: &DbConfig) -> Result<DatabaseConnection> {
    let single = DbConfig {
        max_connections: 1,
        min_connections: 1,
        ..config.clone()
    };
    Ok(connect(&single).await?.db)
}

/// Reads one `PRAGMA` value on a pooled SQLite connection (used to prove the settings above).
pub async fn sqlite_pragma(db: &DatabaseConnection, name: &str) -> Result<Option<String>> {
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return Err(crate::Error::invalid("pragma", "unknown pragma"));
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            format!("PRAGMA {name}"),
        ))
        .await?;
    Ok(match row {
        Some(row) => Some(
            row.try_get_by_index::<String>(0)
                .or_else(|_| row.try_get_by_index::<i64>(0).map(|v| v.to_string()))?,
        ),
        None => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contention() -> crate::Error {
        crate::Error::Unavailable {
            reason: Unavailable::Contention,
            outcome_unknown: false,
            cause: Arc::new(DbErr::Custom("database is locked".into())),
        }
    }

    #[tokio::test]
    async fn contention_is_retried_then_answered_as_unavailable() {
        let mut tries = 0;
        let out: Result<()> = with_retries(|| {
            tries += 1;
            async { Err(contention()) }
        })
        .await;
        assert_eq!(tries, MAX_ATTEMPTS);
        assert!(matches!(
            out,
            Err(crate::Error::Unavailable {
                reason: Unavailable::Contention,
                ..
            })
        ));

        let mut tries = 0;
        let out = with_retries(|| {
            tries += 1;
            let attempt = tries;
            async move {
                if attempt < 3 {
                    Err(contention())
                } else {
                    Ok(attempt)
                }
            }
        })
        .await;
        assert_eq!(out.ok(), Some(3));
    }

    #[tokio::test]
    async fn a_commit_whose_outcome_is_unknown_is_never_retried() {
        let mut tries = 0;
        let out: Result<()> = with_retries(|| {
            tries += 1;
            async {
                Err(crate::Error::Unavailable {
                    reason: Unavailable::ConnectionLost,
                    outcome_unknown: true,
                    cause: Arc::new(DbErr::Custom("connection reset".into())),
                })
            }
        })
        .await;
        assert_eq!(tries, 1);
        assert!(out.is_err());
    }

    /// Every pool on one SQLite file writes through one connection kept for writes, whose
    /// statements are counted once, on the database's counter.
    #[tokio::test]
    async fn sqlite_writes_share_one_connection_of_their_own() {
        let dir = tempfile::tempdir().unwrap();
        let config = DbConfig::test_sqlite(&dir, 3);
        let first = connect(&config).await.unwrap();
        let second = connect(&config).await.unwrap();
        let writer = shared(&first.db).writer().expect("a writer");
        assert!(Arc::ptr_eq(
            &writer,
            &shared(&second.db).writer().expect("the same writer")
        ));
        first
            .db
            .execute_unprepared("CREATE TABLE t(id INTEGER PRIMARY KEY)")
            .await
            .unwrap();

        let before = first.statements.get();
        let txn = begin_write(&second.db).await.unwrap();
        txn.execute_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "INSERT INTO t VALUES (1)",
        ))
        .await
        .unwrap();
        let pool = writer.get_sqlite_connection_pool();
        assert_eq!(
            (pool.size(), pool.num_idle()),
            (1, 0),
            "the write runs on the writer"
        );
        txn.commit().await.unwrap();
        // BEGIN and COMMIT are not statements SeaORM reports.
        assert_eq!(first.statements.get() - before, 1);
        assert_eq!(second.statements.get(), first.statements.get());

        // It stays open while a pool holds it.
        drop(writer);
        drop(first);
        assert!(shared(&second.db).writer().is_some());
    }
}
