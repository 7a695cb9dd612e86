//! The command line: the subcommands and their options (the settings they share are
//! `crate::config::Config`).

use crate::config::{Config, ServeArgs};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// shopgraph: a GraphQL backend for shops, on SQLite or PostgreSQL.
#[derive(Clone, Debug, Parser)]
#[command(name = "shopgraph", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands of the `shopgraph` binary.
#[derive(Clone, Debug, Subcommand)]
pub enum Command {
    /// Serve GraphQL over HTTP (the default).
    Serve(ServeArgs),
    /// Inspect or change the database schema.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Add small demo data; running it again changes nothing.
    Seed,
    /// Create, list, verify, prune and restore backups.
    Backup {
        #[command(subcommand)]
        action: BackupAction,
    },
    /// Check the database and the data directory; exits non-zero when something is wrong.
    Check {
        /// Run SQLite's full `integrity_check` instead of `quick_check`.
        #[arg(long)]
        full: bool,
    },
    /// Copy this database into an empty PostgreSQL database (migrated first), verified by row
    /// counts and checksums: the way from one SQLite file to PostgreSQL.
    Copy {
        /// The target, e.g. `postgres://user@host/shop`.
        #[arg(long)]
        to: String,
    },
    /// Ask the running server whether it is ready (for container health checks; no curl needed).
    Healthcheck,
}

/// What `backup` does.
#[derive(Clone, Debug, Subcommand)]
pub enum BackupAction {
    /// Write a new backup into `<data dir>/backups`.
    Create {
        /// `snapshot` (SQLite file copy, safe while the server writes) or `json` (any database).
        #[arg(long, value_enum, default_value_t = BackupFormat::Snapshot)]
        format: BackupFormat,
    },
    /// List backups, newest first.
    List,
    /// Check a backup file (integrity of a snapshot; row counts and checksums of a JSON file).
    Verify { file: PathBuf },
    /// Remove old backups.
    Prune {
        /// How many of the newest to keep.
        #[arg(long)]
        keep: usize,
        /// Also remove any older than this many days.
        #[arg(long)]
        max_age_days: Option<u32>,
    },
    /// Replace the database's rows with a backup's, in one transaction.
    Restore { file: PathBuf },
}

/// Backup file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BackupFormat {
    Snapshot,
    Json,
}

/// What `migrate` does.
#[derive(Clone, Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the last migrations.
    Down {
        /// How many to roll back.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
    /// Drop everything and apply all migrations again (destroys data).
    Fresh,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_database_lives_in_the_data_dir() {
        let cli = Cli::try_parse_from(["shopgraph", "--data-dir", "/tmp/x"]).unwrap();
        assert_eq!(cli.config.database_url(), "sqlite:///tmp/x/shopgraph.db");
        assert!(cli.command.is_none());
    }

    #[test]
    fn subcommands_accept_global_flags() {
        let cli = Cli::try_parse_from([
            "shopgraph",
            "migrate",
            "down",
            "--steps",
            "2",
            "--port",
            "9",
        ])
        .unwrap();
        assert_eq!(cli.config.port, 9);
        assert!(matches!(
            cli.command,
            Some(Command::Migrate {
                action: MigrateAction::Down { steps: 2 }
            })
        ));
    }
}
