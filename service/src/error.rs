//! The service layer's error: it speaks the domain, never SQL.

use crate::db::fault::{Fault, Unavailable, classify};
use sea_orm::{DbErr, SqlErr};

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
    #[error("file error: {0}")]
    Io(String),
    /// A backup is damaged or cannot be restored here.
    #[error("backup error: {0}")]
    Backup(String),
    /// A schema migration failed; nothing of the run was applied.
    #[error("migration {name} failed: {message}")]
    Migration { name: String, message: String },
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
    Database(DbErr),
}

/// The underlying error, kept for the log (shared, so one failure can answer many callers).
pub type Cause = std::sync::Arc<dyn std::error::Error + Send + Sync>;

impl From<DbErr> for Error {
    /// Database errors by what they mean to the caller (see [`crate::db::fault`]).
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
        if let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() {
            if let Some(field) = fields.iter().find(|f| message.contains(*f)) {
                return Self::conflict(*field, format!("{field} is already taken"));
            }
        }
        Self::from(err)
    }

    /// A file error: a full disk is [`Error::StorageFull`], anything else [`Error::Io`].
    pub fn io(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::StorageFull {
            Self::StorageFull(std::sync::Arc::new(err))
        } else {
            Self::Io(err.to_string())
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
