//! Backups: consistent online snapshots of a SQLite database, logical JSON exports that restore
//! on SQLite or PostgreSQL alike, and their verification, listing, pruning and restoring.
//!
//! Every file lives in one directory (`<data dir>/backups`, with `pre-migration/` inside), so the
//! database and its backups can never disagree about where they are.

pub(crate) mod error;
mod json;
mod raw;
mod snapshot;
mod taken;

pub use error::BackupError;
pub use json::{Dump, TableDump, export, import};
pub use taken::{take, taken};

use crate::{Error, Result};
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseBackend, DatabaseConnection};
use std::path::{Path, PathBuf};

/// The two kinds of backup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A consistent copy of the SQLite file (`VACUUM INTO`), taken while the server writes.
    Snapshot,
    /// Every table as JSON, with row counts and checksums; restores on either database.
    Json,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Self::Snapshot => "db",
            Self::Json => "json",
        }
    }

    /// The usual format for `db`: snapshots on SQLite, JSON elsewhere.
    pub fn native_for(db: &DatabaseConnection) -> Self {
        if db.get_database_backend() == DatabaseBackend::Sqlite {
            Self::Snapshot
        } else {
            Self::Json
        }
    }

    /// The format a backup file is in, from its name.
    pub fn of(path: &Path) -> Option<Self> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("db") => Some(Self::Snapshot),
            Some("json") => Some(Self::Json),
            _ => None,
        }
    }
}

/// A backup file.
#[derive(Clone, Debug)]
pub struct BackupFile {
    pub path: PathBuf,
    pub name: String,
    pub format: Format,
    pub bytes: u64,
    pub modified: DateTime<Utc>,
}

/// Writes a new backup into `dir` and returns it. Snapshots need SQLite.
#[tracing::instrument(skip(db))]
pub async fn create(db: &DatabaseConnection, dir: &Path, format: Format) -> Result<BackupFile> {
    private_dir(dir)?;
    let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let name = format!("shopgraph-{stamp}.{}", format.extension());
    let path = dir.join(&name);
    // Written under a name `list` ignores, then renamed: a backup still being written (or cut
    // short by a crash) is never listed, kept by `prune` or offered to `restore`.
    let partial = dir.join(format!(".{name}.partial"));
    let started = std::time::Instant::now();
    let written = async {
        match format {
            Format::Snapshot => {
                if db.get_database_backend() != DatabaseBackend::Sqlite {
                    return Err(Error::invalid(
                        "format",
                        "snapshots are for SQLite; use the json format on PostgreSQL",
                    ));
                }
                snapshot::vacuum_into(db, &partial).await?;
            }
            Format::Json => {
                let dump = export(db).await?;
                json::write(&dump, &partial)?;
            }
        }
        private_file(&partial)?;
        std::fs::rename(&partial, &path).map_err(|e| Error::io("rename", &partial, e))
    };
    if let Err(e) = written.await {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    let file = describe(&path)?;
    tracing::info!(name = %file.name, bytes = file.bytes, elapsed_ms = started.elapsed().as_millis() as u64, "backup written");
    Ok(file)
}

/// The backup taken before migrating a database that holds data, written into `dir`: a
/// snapshot on SQLite; on PostgreSQL every table as `row_to_json` rows (see `raw`). Returns its
/// path.
pub async fn before_migration(db: &DatabaseConnection, dir: &Path) -> Result<PathBuf> {
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => Ok(create(db, dir, Format::Snapshot).await?.path),
        _ => raw::dump_postgres(db, dir).await,
    }
}

/// Every backup in `dir`, newest first.
pub fn list(dir: &Path) -> Result<Vec<BackupFile>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<BackupFile> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file() && Format::of(p).is_some())
        .filter_map(|p| describe(&p).ok())
        .collect();
    files.sort_by(|a, b| b.modified.cmp(&a.modified).then(b.name.cmp(&a.name)));
    Ok(files)
}

/// Keeps the newest `keep` backups (and, with `max_age_days`, none older than that); removes
/// the rest. Returns what was removed.
pub fn prune(dir: &Path, keep: usize, max_age_days: Option<u32>) -> Result<Vec<BackupFile>> {
    let now = Utc::now();
    let mut removed = Vec::new();
    for (i, file) in list(dir)?.into_iter().enumerate() {
        let too_old = max_age_days
            .is_some_and(|d| now - file.modified > chrono::Duration::days(i64::from(d)));
        if i >= keep || too_old {
            std::fs::remove_file(&file.path).map_err(|e| Error::io("remove", &file.path, e))?;
            removed.push(file);
        }
    }
    Ok(removed)
}

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub format: Format,
    /// Rows per table (JSON backups) or tables checked (snapshots).
    pub tables: Vec<(String, u64)>,
}

/// Checks a backup: `PRAGMA integrity_check` on a snapshot; row counts and checksums of every
/// table of a JSON backup.
pub async fn verify(path: &Path) -> Result<Verified> {
    match Format::of(path) {
        Some(Format::Snapshot) => snapshot::verify(path).await,
        Some(Format::Json) => {
            let dump = json::read(path)?;
            dump.verify()?;
            Ok(Verified {
                format: Format::Json,
                tables: dump
                    .tables
                    .iter()
                    .map(|t| (t.name.clone(), t.row_count))
                    .collect(),
            })
        }
        None => Err(Error::invalid("file", "not a backup (.db or .json)")),
    }
}

/// Restores a backup into `db` in one transaction (see [`import`]); a snapshot is first read as
/// the same logical dump.
#[tracing::instrument(skip(db))]
pub async fn restore(db: &DatabaseConnection, path: &Path) -> Result<Dump> {
    let dump = match Format::of(path) {
        Some(Format::Json) => json::read(path)?,
        Some(Format::Snapshot) => snapshot::read(path).await?,
        None => return Err(Error::invalid("file", "not a backup (.db or .json)")),
    };
    import(db, &dump).await?;
    crate::store::db::refresh_statistics(db).await?;
    Ok(dump)
}

/// Creates `dir` (and its parents) readable by the owner only: backups hold every customer's data.
pub fn private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| Error::io("create the directory", dir, e))
}

/// Makes a file readable by its owner only.
pub fn private_file(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io("restrict access to", path, e))?;
    }
    Ok(())
}

fn describe(path: &Path) -> Result<BackupFile> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
    let modified: DateTime<Utc> = meta
        .modified()
        .map(DateTime::from)
        .unwrap_or_else(|_| Utc::now());
    Ok(BackupFile {
        path: path.to_owned(),
        name: path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned(),
        format: Format::of(path).unwrap_or(Format::Json),
        bytes: meta.len(),
        modified,
    })
}
