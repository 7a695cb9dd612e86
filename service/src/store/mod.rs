//! How the rules reach the database: the pool and its write lane, retries and faults
//! (`db`), keyset pagination (`pagination`), filters turned into SQL (`filter`) and rows
//! read with only some of their columns (`projection`). Private to the service crate: the
//! API sees the types [`crate::list`], [`crate::rows`] and [`crate::ops::database`]
//! re-export, never a query.

pub mod db;
pub mod filter;
pub mod pagination;
pub mod projection;
