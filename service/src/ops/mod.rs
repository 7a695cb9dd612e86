//! What an operator does to a database: open it and bring its schema up to date
//! ([`database`], [`migrate`]), back it up and restore it ([`backup`]), check it ([`check`])
//! and fill it with demo data ([`seed`]).

pub mod backup;
pub mod check;
pub mod database;
pub mod migrate;
pub mod seed;
