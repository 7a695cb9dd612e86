//! What a database error means for whoever asked: the storage has no room, the database cannot
//! serve right now (and asking again later is the answer), or something nobody expected.
//!
//! Both backends are read the same way, from the driver's error kind and the database's own
//! code (SQLite's primary result code, PostgreSQL's SQLSTATE), never from message text.

use sea_orm::sqlx;
use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};

/// The meaning of a database error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// No room to store the write: a full disk (SQLite `SQLITE_FULL`, PostgreSQL `53100`) or
    /// the SQLite file's size limit.
    StorageFull,
    /// The database cannot serve now, for a reason that passes.
    Unavailable(Unavailable),
    /// Anything else: a bug, a broken schema, a damaged file.
    Unexpected,
}

/// Why the database cannot serve now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unavailable {
    /// Other writers hold what this one needs: SQLite busy or locked, a PostgreSQL
    /// serialization failure, deadlock or lock timeout. Writes retry these on their own.
    Contention,
    /// The connection to the database broke or could not be made.
    ConnectionLost,
    /// The database server is shutting down, restarting or starting up.
    Restarting,
    /// Every pooled connection stayed busy for the whole acquire timeout, or the server has
    /// no more connections or memory to give.
    Overloaded,
    /// The storage under the database failed to read or write (not for lack of room).
    StorageError,
    /// A statement ran past the database's statement timeout.
    Timeout,
}

impl Unavailable {
    /// Words for a client: what happened, never how (no SQL, no driver text).
    pub fn describe(self) -> &'static str {
        match self {
            Self::Contention => "the database is busy with other writes",
            Self::ConnectionLost => "the connection to the database was lost",
            Self::Restarting => "the database is restarting",
            Self::Overloaded => "the database has no free connection",
            Self::StorageError => "the database's storage failed",
            Self::Timeout => "the database took too long",
        }
    }
}

/// Reads `err`.
pub fn classify(err: &DbErr) -> Fault {
    match err {
        DbErr::ConnectionAcquire(ConnAcquireErr::Timeout) => {
            Fault::Unavailable(Unavailable::Overloaded)
        }
        DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed) => {
            Fault::Unavailable(Unavailable::ConnectionLost)
        }
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => classify_sqlx(e),
        _ => Fault::Unexpected,
    }
}

/// Reads a driver error.
pub fn classify_sqlx(err: &sqlx::Error) -> Fault {
    use Unavailable::*;
    match err {
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                code.parse().map_or(Fault::Unexpected, classify_sqlite_code)
            } else {
                classify_sqlstate(&code)
            }
        }
        // The socket or the SQLite worker thread went away mid-conversation, or a
        // PostgreSQL server that is restarting answered nothing we could read.
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::PoolClosed => Fault::Unavailable(ConnectionLost),
        sqlx::Error::PoolTimedOut => Fault::Unavailable(Overloaded),
        _ => Fault::Unexpected,
    }
}

/// Reads a SQLite result code, extended or primary.
pub fn classify_sqlite_code(code: i32) -> Fault {
    use Unavailable::*;
    // Extended result codes keep the primary code in their low byte.
    match code & 0xff {
        13 => Fault::StorageFull,                // SQLITE_FULL
        5 | 6 => Fault::Unavailable(Contention), // SQLITE_BUSY, SQLITE_LOCKED
        // SQLITE_IOERR, SQLITE_CANTOPEN, and SQLITE_READONLY (a file system remounted
        // read-only after errors).
        10 | 14 | 8 => Fault::Unavailable(StorageError),
        _ => Fault::Unexpected,
    }
}

/// Reads a PostgreSQL SQLSTATE.
pub fn classify_sqlstate(code: &str) -> Fault {
    use Unavailable::*;
    match code {
        "53100" => Fault::StorageFull, // disk_full
        "40001" | "40P01" | "55P03" => Fault::Unavailable(Contention),
        "57P01" | "57P02" | "57P03" | "57P05" => Fault::Unavailable(Restarting),
        "53000" | "53200" | "53300" => Fault::Unavailable(Overloaded),
        "58030" => Fault::Unavailable(StorageError), // io_error
        "57014" => Fault::Unavailable(Timeout),      // query_canceled (statement_timeout)
        c if c.starts_with("08") => Fault::Unavailable(ConnectionLost),
        _ => Fault::Unexpected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_codes() {
        use Unavailable::*;
        assert_eq!(classify_sqlite_code(13), Fault::StorageFull);
        assert_eq!(classify_sqlite_code(5), Fault::Unavailable(Contention));
        // SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE
        assert_eq!(classify_sqlite_code(517), Fault::Unavailable(Contention));
        assert_eq!(classify_sqlite_code(262), Fault::Unavailable(Contention));
        // SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC
        assert_eq!(classify_sqlite_code(778), Fault::Unavailable(StorageError));
        assert_eq!(classify_sqlite_code(1034), Fault::Unavailable(StorageError));
        // A broken rule or a damaged file is nothing to wait out.
        assert_eq!(classify_sqlite_code(2067), Fault::Unexpected); // SQLITE_CONSTRAINT_UNIQUE
        assert_eq!(classify_sqlite_code(11), Fault::Unexpected); // SQLITE_CORRUPT
    }

    #[test]
    fn postgres_codes() {
        use Unavailable::*;
        assert_eq!(classify_sqlstate("53100"), Fault::StorageFull);
        assert_eq!(classify_sqlstate("40001"), Fault::Unavailable(Contention));
        assert_eq!(classify_sqlstate("57P01"), Fault::Unavailable(Restarting));
        assert_eq!(
            classify_sqlstate("08006"),
            Fault::Unavailable(ConnectionLost)
        );
        assert_eq!(classify_sqlstate("53300"), Fault::Unavailable(Overloaded));
        assert_eq!(classify_sqlstate("23505"), Fault::Unexpected);
        assert_eq!(classify_sqlstate("22012"), Fault::Unexpected);
    }

    #[test]
    fn driver_errors() {
        let lost = DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(sqlx::Error::Io(
            std::io::Error::from(std::io::ErrorKind::ConnectionReset),
        ))));
        assert_eq!(
            classify(&lost),
            Fault::Unavailable(Unavailable::ConnectionLost)
        );
        let acquire = DbErr::ConnectionAcquire(ConnAcquireErr::Timeout);
        assert_eq!(
            classify(&acquire),
            Fault::Unavailable(Unavailable::Overloaded)
        );
        assert_eq!(classify(&DbErr::Custom("x".into())), Fault::Unexpected);
    }
}
