//! End-to-end tests: the real server over HTTP, on SQLite and (with `TEST_DATABASE_URL`)
//! PostgreSQL. One binary, one module per area.

// A failed step here is a failed test or benchmark run: panicking with its message is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod backups;
mod bench_data;
mod commerce;
mod concurrency;
mod connections;
mod corpus;
mod database;
mod differential;
mod engine;
mod events;
mod filters;
mod graphiql;
mod health;
mod hostile;
mod http;
mod idempotency;
mod lookups;
mod loyalty;
mod n_plus_one;
mod nested_columns;
mod pagination;
mod permissions;
mod posts;
mod rule_first;
mod schema;
mod seed;
mod spec;
mod storage;
mod subscriptions;
mod typescript_client;
mod unavailable;
mod upserts;
mod users;
