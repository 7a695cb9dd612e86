//! `createBackup`: admins only.

use crate::graphql::error::GqlResult;
use crate::graphql::types::enums::BackupFormat;
use crate::graphql::viewer::viewer;
use async_graphql::{Context, Object, SimpleObject};
use service::DatabaseConnection;
use std::path::PathBuf;

/// Where backups are written (the data directory's `backups/`).
#[derive(Clone, Debug)]
pub struct BackupsDir(pub PathBuf);

/// A backup file that was just written.
#[derive(SimpleObject)]
pub struct Backup {
    /// File name inside the backups directory.
    pub name: String,
    /// How it was written: a snapshot on SQLite, JSON on PostgreSQL.
    pub format: BackupFormat,
    /// Size of the file in bytes.
    pub bytes: u64,
}

#[derive(Default)]
pub struct BackupMutation;

#[Object]
impl BackupMutation {
    /// Writes a backup now: a snapshot on SQLite, a JSON export on PostgreSQL.
    async fn create_backup(&self, ctx: &Context<'_>) -> async_graphql::Result<Backup> {
        let db = ctx.data::<DatabaseConnection>()?;
        let dir = ctx.data::<BackupsDir>()?;
        let file = service::ops::backup::take(db, &viewer(ctx), &dir.0)
            .await
            .gql()?;
        Ok(Backup {
            name: file.name,
            format: file.format.into(),
            bytes: file.bytes,
        })
    }
}
