//! The database as the server and the command line see it: opening it (SQLite or PostgreSQL
//! from one URL), its health, pool and statement counts, checkpoints, and migrations run by
//! hand. How the rules use it (the write lane, retries, transactions) stays in the service.

pub use crate::store::db::fault::Unavailable;
pub use crate::store::db::{
    DbConfig, FIRST_MIGRATION, ROW_BUFFER, StatementCounter, WriteHealth, checkpoint,
    checkpoint_in_background, connect, free_bytes, is_sqlite, migrate_down, migrate_fresh,
    migration_status, ping, pool_stats, refresh_statistics, reset_sequences, sqlite_pragma,
    write_health,
};
