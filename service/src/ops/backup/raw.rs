//! A schema-agnostic copy of every table, for the moment before a PostgreSQL migration: the
//! entities describe the schema *after* the migration, so the JSON backup cannot read the
//! tables as they are *before* it. Each row is kept as PostgreSQL's own `row_to_json`.

use super::{BackupError, private_file};
use crate::{Error, Result};
use chrono::Utc;
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, IsolationLevel, Statement, TransactionTrait,
};
use std::path::{Path, PathBuf};

/// Writes `<dir>/shopgraph-<time>-pre-migration.json`: `{ "tables": { name: [row, …] } }`,
/// read in one REPEATABLE READ snapshot.
pub async fn dump_postgres(db: &DatabaseConnection, dir: &Path) -> Result<PathBuf> {
    super::private_dir(dir)?;
    let backend = db.get_database_backend();
    let txn = db
        .begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await?;
    let tables: Vec<String> = txn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
        ))
        .await?
        .iter()
        .map(|r| r.try_get::<String>("", "tablename"))
        .collect::<std::result::Result<_, _>>()?;
    let mut out = serde_json::Map::new();
    for table in tables {
        let quoted = format!("\"{}\"", table.replace('"', "\"\""));
        let rows = txn
            .query_all_raw(Statement::from_string(
                backend,
                format!("SELECT row_to_json(t)::text AS row FROM {quoted} t"),
            ))
            .await?;
        // Every row or none: a backup that skipped what it could not read would look whole.
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                let text = r.try_get::<String>("", "row")?;
                Ok(serde_json::from_str(&text).map_err(BackupError::Unreadable)?)
            })
            .collect::<Result<_>>()?;
        out.insert(table, serde_json::Value::Array(rows));
    }
    txn.commit().await?;
    let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let path = dir.join(format!("shopgraph-{stamp}-pre-migration.json"));
    let document = serde_json::json!({
        "format": "shopgraph-pre-migration",
        "source": "postgres",
        "created_at": Utc::now().to_rfc3339(),
        "tables": out,
    });
    let bytes = serde_json::to_vec(&document).map_err(BackupError::Encode)?;
    std::fs::write(&path, bytes).map_err(|e| Error::io("write", &path, e))?;
    private_file(&path)?;
    Ok(path)
}
