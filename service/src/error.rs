//! The service layer's error: it speaks the domain, never SQL.
//!
//! Each message reads whole on its own (the command line and logs print it); the error it
//! came from stays reachable through `source()`, and [`Chain`] prints the whole chain once.

use crate::ops::backup::error::BackupError;
use crate::store::db::fault::{Fault, Unavailable, classify};
use sea_orm::{DbErr, SqlErr};
use std::fmt;
use std::path::{Path, PathBuf};

/// Result of a service call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a service call can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The row the caller named does not exist.
    #[error("{entity} {id} was not found")]
    NotFound { entity: &'static str, id: String },
    /// The caller's input breaks a rule; `field` names the input field at fault.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The write would break a uniqueness or reference rule.
    #[error("{message}")]
    Conflict { field: String, message: String },
    /// Not enough units of a product left to fill an order line.
    #[error("product {product_id} has {available} in stock, {requested} requested")]
    OutOfStock {
        product_id: i32,
        requested: i32,
        available: i32,
    },
    /// The caller is not signed in, or their credentials are wrong.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller is signed in but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// An order cannot move from its current status to the requested one.
    #[error("an order cannot go from {from} to {to}")]
    InvalidTransition { from: String, to: String },
    /// Not enough loyalty points for a redemption or transfer.
    #[error("{available} points available, {requested} requested")]
    InsufficientPoints { available: i64, requested: i64 },
    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`read`, `write`, `create the directory`…).
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A backup is damaged, or cannot be restored here.
    #[error(transparent)]
    Backup(#[from] BackupError),
    /// A schema migration failed; nothing of the run was applied.
    #[error("migration {name} failed: {source}")]
    Migration {
        name: String,
        #[source]
        source: DbErr,
    },
    /// A migration run would leave rows or constraints that do not hold; nothing of it was
    /// applied.
    #[error("{count} {what}; every migration of this run was rolled back")]
    MigrationBrokeConstraints { count: usize, what: &'static str },
    /// There is no room to store the write (a full disk, or the SQLite file's size limit);
    /// nothing of it was kept. Writes succeed again once space is freed.
    #[error("no room left to store this ({0})")]
    StorageFull(#[source] Cause),
    /// The database cannot serve this now, for a reason that passes (a lost connection, a
    /// restart, contention past its retries). Nothing was written, unless `outcome_unknown`:
    /// the connection broke while the commit was on its way, so it may have happened.
    #[error("{}", reason.describe())]
    Unavailable {
        reason: Unavailable,
        outcome_unknown: bool,
        #[source]
        cause: Cause,
    },
    /// Anything the database reported that is not the caller's fault.
    #[error("database error: {0}")]
    Database(#[source] DbErr),
    /// The service's own code broke a rule it keeps (a bug, never the caller's fault): `what`
    /// says which.
    #[error("internal error: {what}")]
    Invariant { what: &'static str },
    /// A task the service runs on another thread (password hashing) panicked or was cancelled.
    #[error("a background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// A library call failed that is neither the caller's nor the database's doing: `what` says
    /// which.
    #[error("{what} failed: {source}")]
    Internal {
        what: &'static str,
        #[source]
        source: Cause,
    },
}

/// The underlying error, kept for the log (shared, so one failure can answer many callers).
pub type Cause = std::sync::Arc<dyn std::error::Error + Send + Sync>;

impl From<DbErr> for Error {
    /// Database errors by what they mean to the caller (see [`crate::store::db::fault`]).
    fn from(err: DbErr) -> Self {
        match classify(&err) {
            Fault::StorageFull => Self::StorageFull(std::sync::Arc::new(err)),
            Fault::Unavailable(reason) => Self::Unavailable {
                reason,
                outcome_unknown: false,
                cause: std::sync::Arc::new(err),
            },
            Fault::Unexpected => Self::Database(err),
        }
    }
}

impl Error {
    /// Input rejected for `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// No `entity` with this `id`.
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    /// A conflict on `field`.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Turns a unique-constraint violation on one of `fields` into a [`Error::Conflict`] that
    /// names the field; every other error passes through unchanged.
    ///
    /// Both backends name the column in their message (`UNIQUE constraint failed: users.email`
    /// on SQLite, `users_email_key` on PostgreSQL), which is what we match on.
    pub fn on_unique(err: DbErr, fields: &[&str]) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err()
            && let Some(field) = fields.iter().find(|f| message.contains(*f))
        {
            return Self::conflict(*field, format!("{field} is already taken"));
        }
        Self::from(err)
    }

    /// A file error while doing `action` to `path`: a full disk is [`Error::StorageFull`],
    /// anything else [`Error::Io`].
    pub fn io(action: &'static str, path: &Path, err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::StorageFull {
            Self::StorageFull(std::sync::Arc::new(err))
        } else {
            Self::Io {
                action,
                path: path.to_owned(),
                source: err,
            }
        }
    }

    /// A failed library call (see [`Error::Internal`]).
    pub fn internal(
        what: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Internal {
            what,
            source: std::sync::Arc::new(source),
        }
    }

    /// Whether the database turned the request away for now (asking again later may succeed,
    /// and the write did not happen unless the error says its outcome is unknown).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::StorageFull(_) | Self::Unavailable { .. })
    }

    /// The same answer again, for each of several callers one failure turned away (orders
    /// written together); `None` for errors that belong to one caller.
    pub fn again(&self) -> Option<Self> {
        match self {
            Self::StorageFull(cause) => Some(Self::StorageFull(cause.clone())),
            Self::Unavailable {
                reason,
                outcome_unknown,
                cause,
            } => Some(Self::Unavailable {
                reason: *reason,
                outcome_unknown: *outcome_unknown,
                cause: cause.clone(),
            }),
            _ => None,
        }
    }
}

/// An error and its causes on one line, `outer: inner: …`, for logs and the command line. A
/// cause whose text the line already holds (a message that quotes its source) is not repeated.
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = self.0.to_string();
        let mut cause = self.0.source();
        while let Some(err) = cause {
            let text = err.to_string();
            if !line.contains(&text) {
                line.push_str(": ");
                line.push_str(&text);
            }
            cause = err.source();
        }
        f.write_str(&line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_names_every_cause_once() {
        let quoted = Error::io(
            "write",
            Path::new("/backups/x.json"),
            std::io::Error::other("disk on fire"),
        );
        assert_eq!(
            Chain(&quoted).to_string(),
            "cannot write /backups/x.json: disk on fire"
        );

        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] std::io::Error);
        let silent = Outer(std::io::Error::other("inner"));
        assert_eq!(Chain(&silent).to_string(), "outer: inner");
    }
}
