//! The schema's history: one dated migration per change, each with a `down`.
//!
//! Rules that protect data (NOT NULL, CHECK, UNIQUE, foreign keys with their ON DELETE
//! behaviour) are declared here so that the database refuses bad rows even if a bug in the
//! service layer tried to write one.

pub use sea_orm_migration::MigrationStatus;
pub use sea_orm_migration::prelude::*;

mod checks;
mod m20261123_000001_create_users_and_roles;
mod m20261123_000002_create_posts;
mod m20261123_000003_create_catalog_and_orders;
mod m20261123_000004_create_point_transactions;
mod m20261123_000005_add_loyalty_tracking;
mod m20261123_000006_add_password_hash;
mod m20261201_000001_index_orders_by_status_and_id;
mod m20261206_000001_create_idempotency_keys;
mod m20261206_000002_index_nested_pages;

/// Every migration of shopgraph, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_users_and_roles::Migration),
            Box::new(m20261123_000002_create_posts::Migration),
            Box::new(m20261123_000003_create_catalog_and_orders::Migration),
            Box::new(m20261123_000004_create_point_transactions::Migration),
            Box::new(m20261123_000005_add_loyalty_tracking::Migration),
            Box::new(m20261123_000006_add_password_hash::Migration),
            Box::new(m20261201_000001_index_orders_by_status_and_id::Migration),
            Box::new(m20261206_000001_create_idempotency_keys::Migration),
            Box::new(m20261206_000002_index_nested_pages::Migration),
        ]
    }
}
