//! The `shopgraph` application: the command line (`cli`), its settings (`config`), the HTTP
//! server (`server`) and the GraphQL schema with its execution (`graphql`). Business rules and
//! database access live in the `service` crate.

pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod graphql;
pub mod server;
pub mod telemetry;

pub use cli::args::{Cli, Command};
pub use config::{Config, ServeArgs};
pub use error::{Error, Result};
pub use server::Application;
