//! Operations commands: backups, `copy` and `check`.

use super::args::{BackupAction, BackupFormat};
use super::progress::Progress;
use crate::config::Config;
use crate::{Error, Result};
use service::ops::backup::{self, Format};
use service::ops::check::{Finding, Status};
use service::ops::database;
use std::path::Path;

impl From<BackupFormat> for Format {
    fn from(format: BackupFormat) -> Self {
        match format {
            BackupFormat::Snapshot => Format::Snapshot,
            BackupFormat::Json => Format::Json,
        }
    }
}

/// `shopgraph backup …`.
pub async fn backup(config: &Config, action: BackupAction) -> Result<()> {
    let dir = config.backups_dir();
    match action {
        BackupAction::Create { format } => {
            let connected = database::connect(&config.db()).await?;
            let progress = Progress::start("writing backup");
            let file = backup::create(&connected.db, &dir, format.into()).await?;
            progress.finish("backup written");
            println!("{}", file.path.display());
        }
        BackupAction::List => {
            let now = chrono::Utc::now();
            for file in backup::list(&dir)? {
                let age = humantime::format_duration(std::time::Duration::from_secs(
                    (now - file.modified).num_seconds().max(0) as u64,
                ));
                println!(
                    "{:<44} {:<8} {:>12} bytes  {age} old",
                    file.name,
                    format!("{:?}", file.format).to_lowercase(),
                    file.bytes
                );
            }
        }
        BackupAction::Verify { file } => {
            let verified = backup::verify(&file).await?;
            for (table, rows) in verified.tables {
                println!("{table:<20} {rows:>10} rows");
            }
            println!("{}: ok", file.display());
        }
        BackupAction::Prune { keep, max_age_days } => {
            for file in backup::prune(&dir, keep, max_age_days)? {
                println!("removed {}", file.name);
            }
        }
        BackupAction::Restore { file } => {
            let connected = database::connect(&config.db()).await?;
            let progress = Progress::start("restoring (one transaction)");
            let dump = backup::restore(&connected.db, &file).await?;
            progress.finish("restored");
            for table in &dump.tables {
                println!("{:<20} {:>10} rows", table.name, table.row_count);
            }
            println!("restored {}", file.display());
        }
    }
    Ok(())
}

/// `shopgraph copy --to postgres://…`: this database into an empty PostgreSQL database.
pub async fn copy(config: &Config, to: &str) -> Result<()> {
    if !to.starts_with("postgres://") && !to.starts_with("postgresql://") {
        return Err(Error::Service(service::Error::invalid(
            "to",
            "the target must be a postgres:// URL",
        )));
    }
    let target_config = database::DbConfig {
        url: to.to_owned(),
        ..config.db()
    };
    let progress = Progress::start("migrating the target");
    service::ops::migrate::up(&target_config, None).await?;
    let source = database::connect(&config.db()).await?;
    let target = database::connect(&target_config).await?;
    progress.step("checking the target is empty");
    let existing = backup::export(&target.db).await?;
    if existing.tables.iter().any(|t| t.row_count > 0) {
        return Err(Error::Service(service::Error::invalid(
            "to",
            "the target database is not empty; nothing was copied",
        )));
    }
    progress.step("reading the source");
    let dump = backup::export(&source.db).await?;
    progress.step("writing the target (one transaction)");
    backup::import(&target.db, &dump).await?;
    progress.step("verifying");
    let copied = backup::export(&target.db).await?;
    if copied.fingerprint() != dump.fingerprint() {
        return Err(Error::CopyDiffers);
    }
    progress.finish("copied and verified");
    for (table, rows, checksum) in copied.fingerprint() {
        println!("{table:<20} {rows:>10} rows  sha256 {}", &checksum[..16]);
    }
    Ok(())
}

/// `shopgraph check`: prints a report; fails when any check failed.
pub async fn check(config: &Config, full: bool) -> Result<()> {
    let mut findings = files(config);
    match database::connect(&config.db()).await {
        Ok(connected) => findings.extend(service::ops::check::database(&connected.db, full).await?),
        Err(err) => findings.push(Finding::new("connectivity", Status::Fail, err.to_string())),
    }
    let mut failed = 0;
    for f in &findings {
        let mark = match f.status {
            Status::Ok => "ok  ",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        };
        failed += usize::from(f.status == Status::Fail);
        println!("{mark}  {:<20} {}", f.check, f.detail);
    }
    if failed > 0 {
        return Err(Error::Check(failed));
    }
    Ok(())
}

/// Checks of the data directory: it exists, what is in it is not readable by others, and
/// there is room left on its disk.
fn files(config: &Config) -> Vec<Finding> {
    let mut findings = Vec::new();
    let dir = &config.data_dir;
    if !dir.is_dir() {
        findings.push(Finding::new(
            "data_dir",
            Status::Fail,
            format!("{} does not exist", dir.display()),
        ));
        return findings;
    }
    findings.push(Finding::new(
        "data_dir",
        Status::Ok,
        dir.display().to_string(),
    ));
    for path in [config.sqlite_path(), config.backups_dir()] {
        if let Some(mode) = mode_of(&path) {
            let name = if path.is_dir() {
                "backups_permissions"
            } else {
                "db_permissions"
            };
            if mode & 0o077 != 0 {
                findings.push(Finding::new(
                    name,
                    Status::Warn,
                    format!("{} is mode {mode:o}: readable by others", path.display()),
                ));
            } else {
                findings.push(Finding::new(name, Status::Ok, format!("{mode:o}")));
            }
        }
    }
    match database::free_bytes(dir) {
        Some(free) if free < 512 * 1024 * 1024 => findings.push(Finding::new(
            "disk_space",
            Status::Warn,
            format!("{} MiB free", free / 1024 / 1024),
        )),
        Some(free) => findings.push(Finding::new(
            "disk_space",
            Status::Ok,
            format!("{} MiB free", free / 1024 / 1024),
        )),
        None => findings.push(Finding::new("disk_space", Status::Warn, "unknown")),
    }
    findings
}

#[cfg(unix)]
fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn mode_of(_: &Path) -> Option<u32> {
    None
}
