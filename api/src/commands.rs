//! What each subcommand does.

use crate::config::{Cli, Command, Config, MigrateAction, SeedArgs, ServeArgs};
use crate::startup::{Application, migrate};
use crate::{Result, graphql, telemetry};
use service::db;

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
        Command::Seed(args) => seed(&config, args).await,
        Command::Backup { action } => crate::ops::backup(&config, action).await,
        Command::Check { full } => crate::ops::check(&config, full).await,
        Command::Healthcheck => crate::ops::healthcheck(&config).await,
        Command::Copy { to } => crate::ops::copy(&config, &to).await,
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
            db::migrate_down(&db_config, steps).await?;
            tracing::info!(steps, "rolled back");
        }
        MigrateAction::Fresh => {
            db::migrate_fresh(&db_config).await?;
            tracing::info!("dropped every table and applied all migrations");
        }
        MigrateAction::Status => {
            let connected = db::connect(&db_config).await?;
            for m in db::migration_status(&connected.db).await? {
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

/// Prints a generated admin password once, on the terminal only (never into the logs).
pub fn show_generated_password(report: &service::seed::SeedReport) {
    if let Some(password) = &report.generated_admin_password {
        eprintln!(
            "\nCreated the admin account {} with the password:\n\n    {password}\n\nIt is shown only this once; set SHOPGRAPH_ADMIN_PASSWORD before seeding to choose it.\n",
            service::seed::ADMIN_EMAIL
        );
    }
}

/// Writes generated benchmark data, reporting rows per second.
async fn generate(db: &service::DatabaseConnection, args: SeedArgs) -> Result<()> {
    use service::bench_data::{Spec, generate};
    let standard = Spec::STANDARD;
    let spec = Spec {
        users: args.users.unwrap_or(standard.users),
        posts_per_user: args.posts_per_user.unwrap_or(standard.posts_per_user),
        products: args.products.unwrap_or(standard.products),
        orders: args.orders.unwrap_or(standard.orders),
        seed: args.seed.unwrap_or(standard.seed),
    };
    let started = std::time::Instant::now();
    let progress = crate::progress::Progress::start("generating rows in memory");
    let generated = generate(db, spec, |table, rows| {
        progress.step(&format!("wrote {rows} {table}"))
    })
    .await?;
    if !generated.written {
        progress.finish("the generated data is already there; nothing changed");
        return Ok(());
    }
    let secs = started.elapsed().as_secs_f64();
    progress.finish(&format!(
        "wrote {} rows in {secs:.1} s ({:.0} rows/s)",
        generated.rows,
        generated.rows as f64 / secs
    ));
    println!(
        "{} rows in {secs:.2} s ({:.0} rows/s)",
        generated.rows,
        generated.rows as f64 / secs
    );
    Ok(())
}

async fn seed(config: &Config, args: SeedArgs) -> Result<()> {
    config.prepare_storage()?;
    let db_config = config.db();
    migrate(config).await?;
    let connected = db::connect(&db_config).await?;
    if args
        .users
        .or(args.posts_per_user)
        .or(args.products)
        .or(args.orders)
        .is_some()
        || args.seed.is_some()
    {
        return generate(&connected.db, args).await;
    }
    let progress = crate::progress::Progress::start("seeding demo data");
    let events = service::events::EventBus::default();
    let report =
        service::seed::demo(&connected.db, &events, config.admin_password.as_deref()).await?;
    progress.finish("seeded");
    show_generated_password(&report);
    tracing::info!(
        users = report.users,
        posts = report.posts,
        products = report.products,
        orders = report.orders,
        "seed finished (zero everywhere means the demo data was already there)"
    );
    Ok(())
}
