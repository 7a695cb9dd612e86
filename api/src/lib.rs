//! The `shopgraph` application: configuration, CLI commands, HTTP routes and the GraphQL
//! schema. Business rules and database access live in the `service` crate.

pub mod auth;
pub mod commands;
pub mod config;
pub mod connections;
pub mod error;
pub mod graphql;
pub mod metrics;
pub mod ops;
pub mod progress;
pub mod routes;
pub mod startup;
pub mod telemetry;

pub use config::{Cli, Command, Config, ServeArgs};
pub use error::{Error, Result};
pub use startup::Application;
