//! Errors of the binary itself (start-up and commands); request errors are GraphQL errors.

/// Result of a start-up step or command.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can stop shopgraph from starting or a command from finishing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Service(#[from] service::Error),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Secret(#[from] crate::auth::token::SecretError),
    #[error("{0} check(s) failed")]
    Check(usize),
    #[error("not ready: {0}")]
    Unhealthy(String),
}
