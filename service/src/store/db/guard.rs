//! No pooled connection carries a transaction from one use to the next.
//!
//! sqlx counts each connection's transaction depth itself, and SeaORM starts a `SAVEPOINT`
//! instead of `BEGIN` when that count is above zero. After `SQLITE_FULL` (and some I/O
//! errors) SQLite may roll back the whole transaction on its own; the `ROLLBACK` that follows
//! then fails ("no transaction is active") and the count stays at one. The next write on that
//! connection became a savepoint; its `ROLLBACK TO` after an error left a real transaction
//! open, holding the write lock (every other connection: "database is locked"), and every
//! later commit on it only released a savepoint inside that transaction: answered as written,
//! lost at shutdown. So a connection whose count is not zero is closed (which rolls back all
//! it held) when it comes back to the pool, and refused if one is ever about to be handed out.

use super::health::Shared;
use sea_orm::sqlx::{self, Connection, Database};
use sqlx_core::transaction::TransactionManager;
use std::sync::{Arc, OnceLock};

/// The database's shared state, known once the pool is open (hooks can run before that).
pub(super) type Late = Arc<OnceLock<Arc<Shared>>>;

fn depth<DB: Database>(conn: &DB::Connection) -> usize {
    <DB::TransactionManager as TransactionManager>::get_transaction_depth(conn)
}

/// `after_release`: whether `conn` may go back to the pool.
pub(super) async fn may_return<DB: Database>(
    conn: &mut DB::Connection,
    shared: &Late,
) -> Result<bool, sqlx::Error> {
    if depth::<DB>(conn) == 0 {
        return Ok(true);
    }
    // A transaction dropped without a commit queued its ROLLBACK (SQLite's depth drops only
    // once it ran); run it now and look again.
    conn.ping().await?;
    if depth::<DB>(conn) == 0 {
        return Ok(true);
    }
    // Expected after every write a full storage refused (SQLite ended the transaction
    // itself), which the storage episode already logged once; worth a warning otherwise.
    let expected = shared.get().is_some_and(|s| s.health.discarded());
    if expected {
        tracing::debug!("closing a pooled connection whose transaction SQLite already ended");
    } else {
        tracing::warn!(
            "closing a pooled connection whose transaction could not be rolled back (the database had already ended it, or the rollback failed); nothing of it was committed"
        );
    }
    Ok(false)
}

/// `before_acquire`: whether `conn` may be handed out; never inside a transaction.
pub(super) fn may_hand_out<DB: Database>(conn: &DB::Connection, shared: &Late) -> bool {
    if depth::<DB>(conn) == 0 {
        return true;
    }
    tracing::error!(
        "refused to hand out a pooled connection still inside a transaction; closing it"
    );
    if let Some(shared) = shared.get() {
        shared.health.discarded();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sqlx::Sqlite;
    use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

    /// A pool of one connection to a new database in `dir` holding a table `t(id)`.
    async fn one_connection(
        dir: &tempfile::TempDir,
    ) -> (crate::store::db::DbConfig, sea_orm::DatabaseConnection) {
        use crate::store::db::{DbConfig, connect};
        use sea_orm::ConnectionTrait;
        let config = DbConfig::test_sqlite(dir, 1);
        let db = connect(&config).await.unwrap().db;
        db.execute_unprepared("CREATE TABLE t(id INTEGER PRIMARY KEY)")
            .await
            .unwrap();
        (config, db)
    }

    /// The ids in table `t`.
    async fn ids_in_t(db: &sea_orm::DatabaseConnection) -> Vec<i64> {
        use sea_orm::ConnectionTrait;
        let rows = db
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Sqlite,
                "SELECT id FROM t",
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|r| r.try_get_by_index(0).unwrap())
            .collect()
    }

    #[tokio::test]
    async fn a_connection_inside_a_transaction_is_neither_kept_nor_handed_out() {
        let late = Late::default();
        let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().in_memory(true))
            .await
            .unwrap();
        assert!(may_hand_out::<Sqlite>(&conn, &late));
        assert!(may_return::<Sqlite>(&mut conn, &late).await.unwrap());

        <Sqlite as Database>::TransactionManager::begin(&mut conn, None)
            .await
            .unwrap();
        assert!(!may_hand_out::<Sqlite>(&conn, &late));
        assert!(!may_return::<Sqlite>(&mut conn, &late).await.unwrap());

        // A rollback only queued (a transaction dropped) is run before deciding.
        <Sqlite as Database>::TransactionManager::start_rollback(&mut conn);
        assert!(may_return::<Sqlite>(&mut conn, &late).await.unwrap());
        assert!(may_hand_out::<Sqlite>(&conn, &late));
    }

    #[tokio::test]
    async fn a_transaction_sqlite_ended_by_itself_leaves_its_connection_unfit() {
        let late = Late::default();
        let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().in_memory(true))
            .await
            .unwrap();
        <Sqlite as Database>::TransactionManager::begin(&mut conn, None)
            .await
            .unwrap();
        // What SQLite does after SQLITE_FULL: the transaction ends without sqlx knowing.
        sqlx::raw_sql(sqlx::AssertSqlSafe("ROLLBACK"))
            .execute(&mut conn)
            .await
            .unwrap();
        <Sqlite as Database>::TransactionManager::start_rollback(&mut conn);
        assert!(
            !may_return::<Sqlite>(&mut conn, &late).await.unwrap(),
            "its depth still says 1, so its next BEGIN would be a SAVEPOINT"
        );
    }

    /// The whole story on one pooled connection: a transaction SQLite ended by itself, then a
    /// write that fails, then one that is acknowledged. Without the guard the second became a
    /// savepoint whose `ROLLBACK TO` left a real transaction open, and the third's commit only
    /// released a savepoint inside it: acknowledged, and gone once the pool closed.
    #[tokio::test]
    async fn an_acknowledged_write_after_a_transaction_sqlite_ended_is_committed() {
        use crate::store::db::{begin_write, connect};
        use sea_orm::ConnectionTrait;
        let dir = tempfile::tempdir().unwrap();
        let (config, db) = one_connection(&dir).await;

        let ended = begin_write(&db).await.unwrap();
        ended
            .execute_unprepared("INSERT INTO t VALUES (1)")
            .await
            .unwrap();
        // What SQLite does after a full disk: the transaction is over, sqlx does not know.
        ended.execute_unprepared("ROLLBACK").await.unwrap();
        drop(ended);

        let failing = begin_write(&db).await.unwrap();
        failing
            .execute_unprepared("INSERT INTO t VALUES (2)")
            .await
            .unwrap();
        assert!(
            failing
                .execute_unprepared("INSERT INTO t VALUES (2)")
                .await
                .is_err()
        );
        drop(failing);

        let acknowledged = begin_write(&db).await.unwrap();
        acknowledged
            .execute_unprepared("INSERT INTO t VALUES (3)")
            .await
            .unwrap();
        acknowledged.commit().await.unwrap();
        let health = crate::store::db::health::shared(&db).health.report();
        assert_eq!(
            health.discarded_connections, 1,
            "the connection SQLite left was closed"
        );
        db.close().await.unwrap();

        let db = connect(&config).await.unwrap().db;
        let ids = ids_in_t(&db).await;
        assert_eq!(ids, vec![3], "the acknowledged write, and nothing else");
    }

    /// A task that panics in the middle of a write leaves nothing behind on the connection the
    /// next write gets.
    #[tokio::test]
    async fn a_panic_inside_a_write_rolls_it_back() {
        use crate::store::db::begin_write;
        use sea_orm::ConnectionTrait;
        let dir = tempfile::tempdir().unwrap();
        let (_, db) = one_connection(&dir).await;
        let pool = db.clone();
        let panicked = tokio::spawn(async move {
            let txn = begin_write(&pool).await.unwrap();
            txn.execute_unprepared("INSERT INTO t VALUES (1)")
                .await
                .unwrap();
            panic!("a bug between two statements");
        })
        .await;
        assert!(panicked.is_err());

        let next = begin_write(&db).await.unwrap();
        next.execute_unprepared("INSERT INTO t VALUES (2)")
            .await
            .unwrap();
        next.commit().await.unwrap();
        let ids = ids_in_t(&db).await;
        assert_eq!(ids, vec![2]);
    }
}
