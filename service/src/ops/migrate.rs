//! Bringing a database's schema up to date: a backup first when a database that holds data is
//! about to change (`backup`), then the migrations in one transaction (`db`). It sits above
//! both, so that the database layer never needs the backups.

use crate::store::db::{self, Applied, DbConfig};
use crate::{Result, ops::backup};
use migration::{Migrator, MigratorTrait};
use std::path::Path;

/// Applies every pending migration (see `db::apply_pending`: one transaction, each step
/// logged, concurrent start-ups serialised). When a database that already has tables is about
/// to change, a backup is first written to `pre_migration_dir` (when given).
pub async fn up(config: &DbConfig, pre_migration_dir: Option<&Path>) -> Result<Vec<Applied>> {
    up_with::<Migrator>(config, pre_migration_dir).await
}

/// [`up`] with another list of migrations (tests use one that fails on purpose).
pub async fn up_with<M: MigratorTrait>(
    config: &DbConfig,
    pre_migration_dir: Option<&Path>,
) -> Result<Vec<Applied>> {
    let db = db::connect_single(config).await?;
    let outcome = async {
        if let Some(dir) = pre_migration_dir {
            let (applied, pending) = db::migration_counts::<M>(&db).await?;
            if applied > 0 && pending > 0 {
                let written = backup::before_migration(&db, dir).await?;
                tracing::info!(backup = %written.display(), pending, "pre-migration backup written");
            }
        }
        db::apply_pending::<M>(&db).await
    }
    .await;
    db.close().await?;
    outcome
}
