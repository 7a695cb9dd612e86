//! The server: start-up (migrate, open the pool, bind the listener), the HTTP routes, and
//! serving until a signal arrives.

pub mod backups;
mod connections;
pub mod metrics;
pub mod routes;

use crate::Result;
use crate::auth::PrincipalCache;
use crate::auth::throttle::{Allowance, RequestLimit, SignInThrottle};
use crate::auth::token::TokenKeys;
use crate::config::{Config, ServeArgs};
use crate::graphql::{Limits, SchemaDeps, build_schema};
use routes::{AppState, router};
use service::DatabaseConnection;
use service::events::EventBus;
use service::ops::database::{self, StatementCounter};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// A server that is bound and ready to serve.
pub struct Application {
    listener: TcpListener,
    address: SocketAddr,
    state: AppState,
    statements: StatementCounter,
    events: EventBus,
    max_body_bytes: usize,
    cors_origins: Vec<String>,
    shutdown_grace: Duration,
    shutdown: tokio::sync::watch::Sender<bool>,
    connections: connections::ConnectionLimits,
    body_timeout: Duration,
    metrics_listener: Option<TcpListener>,
}

impl Application {
    /// Applies pending migrations (unless `--no-migrate`), opens the pool and binds the
    /// listener. Port 0 picks a free port; [`Application::address`] tells which.
    pub async fn build(config: &Config, serve: &ServeArgs) -> Result<Self> {
        let started = Instant::now();
        metrics::handle();
        // Refuse a bad secret before touching the database.
        let keys = TokenKeys::from_config(config)?;
        config.prepare_storage()?;
        let db_config = config.db();
        let created = if serve.no_migrate {
            tracing::info!("skipping start-up migrations (--no-migrate)");
            false
        } else {
            migrate(config).await?
        };
        let connected = database::connect(&db_config).await?;
        let shutdown = tokio::sync::watch::Sender::new(false);
        let events = EventBus::default();
        events.listen_to_other_instances(&db_config.url, connected.db.clone());
        let seed_demo = serve.seed_demo.unwrap_or(
            config.database_url.is_none() && config.env == crate::config::Environment::Development,
        );
        if created && seed_demo {
            let report =
                service::ops::seed::demo(&connected.db, &events, config.admin_password.as_deref())
                    .await?;
            show_generated_password(&report);
            tracing::info!(
                ?report,
                "new database: added the demo data (SHOPGRAPH_SEED_DEMO=false to skip)"
            );
        }
        let sign_ins = Arc::new(SignInThrottle::new(
            Allowance {
                per_minute: config.login_attempts_per_account,
            },
            Allowance {
                per_minute: config.login_attempts_per_address,
            },
        ));
        let request_limit = config
            .rate_limit_per_address
            .and_then(std::num::NonZeroU32::new)
            .map(|per_second| Arc::new(RequestLimit::new(per_second)));
        forget_idle_limits(sign_ins.clone(), request_limit.clone());
        let gateway = build_schema(SchemaDeps {
            db: connected.db.clone(),
            events: events.clone(),
            keys: keys.clone(),
            limits: Limits {
                max_depth: config.max_depth,
                max_complexity: config.max_complexity,
                max_selections: config.max_selections,
                introspection: config.introspection_enabled(),
                suggestions: config.env == crate::config::Environment::Development,
                max_query_bytes: config.max_query_bytes,
                document_cache_entries: config.apq_cache_size,
                document_cache_bytes: config.document_cache_mib.saturating_mul(1 << 20),
            },
            backups_dir: config.backups_dir(),
            sign_ins,
        });
        let idempotency =
            service::idempotency::Keys::new(connected.db.clone(), config.idempotency_ttl.into());
        let state = AppState {
            gateway,
            db: connected.db,
            loader_delay: Duration::from_micros(config.dataloader_delay_us),
            keys: keys.clone(),
            principals: Arc::new(PrincipalCache::new(
                Duration::from_secs(config.auth_cache_secs),
                10_000,
            )),
            graphiql: config.graphiql_enabled(),
            request_timeout: Duration::from_millis(config.request_timeout_ms.max(1)),
            executions: Arc::new(tokio::sync::Semaphore::new(config.concurrent_requests())),
            backups_dir: config.backups_dir(),
            sqlite_path: database::is_sqlite(&config.database_url())
                .then(|| config.sqlite_path_of_url()),
            statements: connected.statements.clone(),
            sockets: routes::ws::SocketLimits {
                init_timeout: Duration::from_secs(config.ws_init_timeout_secs.max(1)),
                max_subscriptions: config.ws_max_subscriptions.max(1),
            },
            shutdown: shutdown.subscribe(),
            ws_open: Arc::new(tokio::sync::Semaphore::new(
                config.ws_max_connections.max(1),
            )),
            request_limit,
            idempotency,
            #[cfg(feature = "fault-injection")]
            abort_after_commit: std::env::var("SHOPGRAPH_TEST_FAULT")
                .is_ok_and(|fault| fault == "abort-after-commit"),
        };
        if let Some(every) = serve.backup_every {
            backups::schedule(
                state.db.clone(),
                config.backups_dir(),
                every.into(),
                serve.backup_keep,
            );
        }
        let metrics_listener = match &config.metrics_address {
            Some(address) => Some(TcpListener::bind(address.as_str()).await?),
            None => None,
        };
        let listener = TcpListener::bind((config.host.as_str(), config.port)).await?;
        let address = listener.local_addr()?;
        tracing::info!(
            %address,
            startup_ms = started.elapsed().as_secs_f64() * 1000.0,
            "shopgraph ready: GraphQL (and GraphiQL) at http://{address}/graphql"
        );
        let max_body_bytes = config.max_body_bytes;
        let cors_origins = config.cors_origins.clone();
        let shutdown_grace = Duration::from_secs(config.shutdown_grace_secs);
        Ok(Self {
            listener,
            address,
            state,
            statements: connected.statements,
            events,
            max_body_bytes,
            cors_origins,
            shutdown_grace,
            shutdown,
            connections: connections::ConnectionLimits {
                max_connections: config.max_connections,
                header_timeout: Duration::from_secs(config.header_timeout_secs.max(1)),
            },
            body_timeout: Duration::from_secs(config.body_timeout_secs.max(1)),
            metrics_listener,
        })
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The database pool the server uses.
    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// Counts SQL statements the server's pool has run.
    pub fn statements(&self) -> StatementCounter {
        self.statements.clone()
    }

    /// The bus that order events are published on.
    pub fn events(&self) -> EventBus {
        self.events.clone()
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes, then shuts down as on a signal (tests restart servers
    /// this way).
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let db = self.state.db.clone();
        let shutdown = self.shutdown;
        let checkpoints = database::checkpoint_in_background(&db, CHECKPOINT_EVERY);
        let pruning = prune_keys(self.state.idempotency.clone(), db.clone());
        let metrics = self.metrics_listener.map(|listener| {
            if let Ok(address) = listener.local_addr() {
                tracing::info!(%address, "metrics at http://{address}/metrics");
            }
            let router = routes::metrics_router(self.state.clone());
            tokio::spawn(async move { axum::serve(listener, router).await })
        });
        let stop = async move {
            stop.await;
            // WebSockets are upgraded connections the server no longer tracks: tell them.
            shutdown.send_replace(true);
        };
        // In-flight requests get `shutdown_grace` to finish; then the server stops regardless.
        connections::serve(
            self.listener,
            router(
                self.state,
                self.max_body_bytes,
                self.body_timeout,
                &self.cors_origins,
                metrics.is_some(),
            ),
            self.connections,
            stop,
            self.shutdown_grace,
        )
        .await;
        if let Some(checkpoints) = checkpoints {
            checkpoints.abort();
            let _ = checkpoints.await;
        }
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        pruning.abort();
        // The file on disk should stand on its own once we are gone: fold the WAL into it.
        if let Err(err) = database::checkpoint(&db).await {
            tracing::warn!(error = %err, "WAL checkpoint at shutdown failed");
        }
        if let Err(err) = db.close().await {
            tracing::warn!(error = %err, "closing the database pool failed");
        }
        tracing::info!("shopgraph stopped");
        Ok(())
    }
}

/// Deletes expired idempotency keys, at a twentieth of their lifetime (between a second and
/// ten minutes), so the table holds about one lifetime of keys.
fn prune_keys(
    keys: service::idempotency::Keys,
    db: DatabaseConnection,
) -> tokio::task::JoinHandle<()> {
    let ttl = keys.ttl();
    let every = (ttl / 20).clamp(Duration::from_secs(1), Duration::from_secs(600));
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match service::idempotency::prune(&db, ttl).await {
                Ok(0) => {}
                Ok(gone) => tracing::debug!(gone, "expired idempotency keys deleted"),
                Err(err) => {
                    tracing::warn!(error = %err, "expired idempotency keys were not deleted")
                }
            }
        }
    })
}

/// Every minute, drops the limiters' state for keys that are back to a full allowance, so
/// their memory follows recent callers.
fn forget_idle_limits(sign_ins: Arc<SignInThrottle>, requests: Option<Arc<RequestLimit>>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(60));
        loop {
            ticks.tick().await;
            sign_ins.forget_idle();
            if let Some(requests) = &requests {
                requests.forget_idle();
            }
        }
    });
}

/// How often the WAL is checkpointed in the background (SQLite), so that commits seldom reach
/// the auto-checkpoint threshold (`database::connect`) and checkpoint it themselves.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// Prints a generated admin password once, on the terminal only (never into the logs).
pub fn show_generated_password(report: &service::ops::seed::SeedReport) {
    if let Some(password) = &report.generated_admin_password {
        eprintln!(
            "\nCreated the admin account {} with the password:\n\n    {password}\n\nIt is shown only this once; set SHOPGRAPH_ADMIN_PASSWORD before seeding to choose it.\n",
            service::ops::seed::ADMIN_EMAIL
        );
    }
}

/// The explicit, logged start-up step that brings the schema up to date. Returns whether the
/// database was new (its first migration was applied now).
pub async fn migrate(config: &Config) -> Result<bool> {
    tracing::info!("applying pending migrations");
    let started = Instant::now();
    let applied =
        service::ops::migrate::up(&config.db(), Some(&config.pre_migration_dir())).await?;
    for m in &applied {
        metrics::migration_applied(&m.name, m.duration);
    }
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    if applied.is_empty() {
        tracing::info!(elapsed_ms, "database schema is up to date");
    } else {
        tracing::info!(count = applied.len(), elapsed_ms, "migrations applied");
    }
    Ok(applied
        .first()
        .is_some_and(|m| m.name == database::FIRST_MIGRATION))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
