//! The execution layer: how a request reaches the schema and how the schema runs it.

pub mod batching;
pub mod codes;
pub mod cost;
pub mod direct;
pub mod error_codes;
pub mod gateway;
pub mod plain;
pub mod reference;
pub mod turn;
