//! Errors of the binary itself (start-up and commands); request errors are GraphQL errors
//! (`graphql::error`).

/// Result of a start-up step or command.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can stop shopgraph from starting or a command from finishing. `main` prints it with
/// its causes (`service::error::Chain`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A service call failed.
    #[error(transparent)]
    Service(#[from] service::Error),
    /// The data directory, a socket or the terminal failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The configured token secret cannot be used.
    #[error(transparent)]
    Secret(#[from] crate::auth::token::SecretError),
    /// `check` found this many problems (each is printed).
    #[error("{0} check(s) failed")]
    Check(usize),
    /// `healthcheck`: the server answered, but not ready (its status line), or not at all.
    #[error("not ready: {0}")]
    Unhealthy(String),
    /// `copy`: the target's tables do not match the source's once written.
    #[error("the copy differs from the source")]
    CopyDiffers,
}
