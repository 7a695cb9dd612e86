//! The command line: parsing (`args`) and what each subcommand does.

pub mod args;
mod healthcheck;
pub mod ops;
mod progress;

use crate::config::{Config, ServeArgs};
use crate::server::{Application, migrate};
use crate::{Result, graphql, telemetry};
use args::{Cli, Command, MigrateAction};
use service::ops::database;

/// Runs the command line on a multi-threaded tokio runtime, until it is done.
///
/// The runtime is built here rather than by `#[tokio::main]` in `main.rs`: the future it
/// drives is then compiled once, in this crate, instead of a second time into the binary
/// (that copy was a fifth of a cold release build).
pub fn run_blocking(cli: Cli) -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(cli))
}

/// Runs the command line.
pub async fn run(cli: Cli) -> Result<()> {
    let Cli { config, command } = cli;
    if !matches!(command, Some(Command::Schema | Command::Healthcheck)) {
        telemetry::init(&config.log, config.log_format);
    }
    match command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => {
            Application::build(&config, &args)
                .await?
                .run_until_stopped()
                .await
        }
        Command::Migrate { action } => run_migrate(&config, action).await,
        Command::Schema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::Seed => seed(&config).await,
        Command::Backup { action } => ops::backup(&config, action).await,
        Command::Check { full } => ops::check(&config, full).await,
        Command::Healthcheck => healthcheck::run(&config).await,
        Command::Copy { to } => ops::copy(&config, &to).await,
    }
}

async fn run_migrate(config: &Config, action: MigrateAction) -> Result<()> {
    config.prepare_storage()?;
    let db_config = config.db();
    match action {
        MigrateAction::Up => {
            migrate(config).await?;
        }
        MigrateAction::Down { steps } => {
            database::migrate_down(&db_config, steps).await?;
            tracing::info!(steps, "rolled back");
        }
        MigrateAction::Fresh => {
            database::migrate_fresh(&db_config).await?;
            tracing::info!("dropped every table and applied all migrations");
        }
        MigrateAction::Status => {
            let connected = database::connect(&db_config).await?;
            for m in database::migration_status(&connected.db).await? {
                println!(
                    "{}  {}",
                    if m.applied { "applied" } else { "pending" },
                    m.name
                );
            }
        }
    }
    Ok(())
}

async fn seed(config: &Config) -> Result<()> {
    config.prepare_storage()?;
    let db_config = config.db();
    migrate(config).await?;
    let connected = database::connect(&db_config).await?;
    let progress = progress::Progress::start("seeding demo data");
    let events = service::events::EventBus::default();
    let report =
        service::ops::seed::demo(&connected.db, &events, config.admin_password.as_deref()).await?;
    progress.finish("seeded");
    crate::server::show_generated_password(&report);
    tracing::info!(
        users = report.users,
        posts = report.posts,
        products = report.products,
        orders = report.orders,
        "seed finished (zero everywhere means the demo data was already there)"
    );
    Ok(())
}
