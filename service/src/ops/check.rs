//! `shopgraph check`: what can be checked about a database from the inside.

use crate::{Result, store::db};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};

/// How one check went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

/// One line of the report.
#[derive(Clone, Debug)]
pub struct Finding {
    pub check: String,
    pub status: Status,
    pub detail: String,
}

impl Finding {
    pub fn new(check: &str, status: Status, detail: impl Into<String>) -> Self {
        Self {
            check: check.into(),
            status,
            detail: detail.into(),
        }
    }
}

/// The first column of each row `sql` returns, as text: integers written out, NULL as `NULL`;
/// any other value is an error rather than a blank in the report.
async fn first_column(db: &DatabaseConnection, sql: &str) -> Result<Vec<String>> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    rows.iter()
        .map(|r| match r.try_get_by_index::<Option<String>>(0) {
            Ok(text) => Ok(text.unwrap_or_else(|| "NULL".into())),
            Err(_) => Ok(r.try_get_by_index::<i64>(0)?.to_string()),
        })
        .collect()
}

/// Checks the database itself: integrity (`quick_check`, or `integrity_check` when `full`),
/// foreign keys and journal mode on SQLite; connectivity and constraint validation on
/// PostgreSQL; pending migrations everywhere.
pub async fn database(db: &DatabaseConnection, full: bool) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    match db::ping(db).await {
        Ok(()) => findings.push(Finding::new(
            "connectivity",
            Status::Ok,
            "the database answers",
        )),
        Err(err) => {
            findings.push(Finding::new("connectivity", Status::Fail, err.to_string()));
            return Ok(findings);
        }
    }
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        let pragma = if full {
            "PRAGMA integrity_check"
        } else {
            "PRAGMA quick_check"
        };
        let verdict = first_column(db, pragma).await?;
        let ok = verdict == ["ok"];
        findings.push(Finding::new(
            if full {
                "integrity_check"
            } else {
                "quick_check"
            },
            if ok { Status::Ok } else { Status::Fail },
            if ok { "ok".into() } else { verdict.join("; ") },
        ));
        let broken = first_column(db, "PRAGMA foreign_key_check").await?;
        findings.push(if broken.is_empty() {
            Finding::new("foreign_key_check", Status::Ok, "every foreign key holds")
        } else {
            Finding::new(
                "foreign_key_check",
                Status::Fail,
                format!("{} rows break foreign keys", broken.len()),
            )
        });
        let mode = first_column(db, "PRAGMA journal_mode").await?.join("");
        findings.push(if mode == "wal" {
            Finding::new("journal_mode", Status::Ok, "wal")
        } else {
            Finding::new(
                "journal_mode",
                Status::Fail,
                format!("{mode} (expected wal)"),
            )
        });
    } else {
        let unvalidated = first_column(
            db,
            "SELECT conname FROM pg_constraint WHERE NOT convalidated",
        )
        .await?;
        findings.push(if unvalidated.is_empty() {
            Finding::new("constraints", Status::Ok, "every constraint is validated")
        } else {
            Finding::new(
                "constraints",
                Status::Fail,
                format!("not validated: {}", unvalidated.join(", ")),
            )
        });
    }
    let pending: Vec<String> = db::migration_status(db)
        .await?
        .into_iter()
        .filter(|m| !m.applied)
        .map(|m| m.name)
        .collect();
    findings.push(if pending.is_empty() {
        Finding::new("migrations", Status::Ok, "up to date")
    } else {
        Finding::new(
            "migrations",
            Status::Warn,
            format!("pending: {}", pending.join(", ")),
        )
    });
    Ok(findings)
}
