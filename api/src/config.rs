//! The one configuration struct: command-line flags with environment fallbacks (and a `.env`
//! file, loaded before parsing). Read once in `main` and passed down.

use clap::{Args, ValueEnum};
use service::ops::database::DbConfig;
use std::path::PathBuf;
use std::time::Duration;

/// Settings shared by every subcommand.
#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Database URL (`sqlite://…` or `postgres://…`); default: `<data dir>/shopgraph.db`.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Directory for the SQLite database and everything derived from it.
    #[arg(
        long,
        env = "SHOPGRAPH_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Address to listen on.
    #[arg(
        long,
        env = "SHOPGRAPH_HOST",
        default_value = "127.0.0.1",
        global = true
    )]
    pub host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "SHOPGRAPH_PORT", default_value_t = 8000, global = true)]
    pub port: u16,
    /// Log filter in `RUST_LOG` syntax (e.g. `info,service=debug`).
    #[arg(long, env = "SHOPGRAPH_LOG", default_value = "info", global = true)]
    pub log: String,
    /// Log line format.
    #[arg(long, env = "SHOPGRAPH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,
    /// Largest number of pooled database connections. 0: one per CPU core plus one for the
    /// writer on SQLite (each connection keeps its own page cache, so more only cost memory),
    /// eight on PostgreSQL.
    #[arg(
        long,
        env = "SHOPGRAPH_DB_MAX_CONNECTIONS",
        default_value_t = 0,
        global = true
    )]
    pub db_max_connections: u32,
    /// Pooled connections kept open when idle.
    #[arg(
        long,
        env = "SHOPGRAPH_DB_MIN_CONNECTIONS",
        default_value_t = 1,
        global = true
    )]
    pub db_min_connections: u32,
    /// Seconds to wait for a new database connection to open.
    #[arg(
        long,
        env = "SHOPGRAPH_DB_CONNECT_TIMEOUT_SECS",
        default_value_t = 5,
        global = true
    )]
    pub db_connect_timeout_secs: u64,
    /// Seconds a request may wait for a free pooled connection.
    #[arg(
        long,
        env = "SHOPGRAPH_DB_ACQUIRE_TIMEOUT_SECS",
        default_value_t = 5,
        global = true
    )]
    pub db_acquire_timeout_secs: u64,
    /// Seconds after which an idle pooled connection is closed.
    #[arg(
        long,
        env = "SHOPGRAPH_DB_IDLE_TIMEOUT_SECS",
        default_value_t = 600,
        global = true
    )]
    pub db_idle_timeout_secs: u64,
    /// SQL statements slower than this many milliseconds are logged as warnings.
    #[arg(
        long,
        env = "SHOPGRAPH_SLOW_QUERY_MS",
        default_value_t = 100,
        global = true
    )]
    pub slow_query_ms: u64,
    /// Largest size, in MiB, the SQLite database file may grow to: a quota that keeps one
    /// shop from filling the disk it shares. A write that would pass it fails with
    /// STORAGE_FULL, as on a full disk, and succeeds again once space is freed inside the
    /// file. Unset: only the disk limits it. Ignored on PostgreSQL.
    #[arg(long, env = "SHOPGRAPH_SQLITE_MAX_SIZE_MIB", global = true)]
    pub sqlite_max_size_mib: Option<u64>,
    /// `production` refuses to start without a JWT secret and hides introspection and
    /// GraphiQL unless they are enabled explicitly.
    #[arg(long, env = "SHOPGRAPH_ENV", value_enum, default_value_t = Environment::Development, global = true)]
    pub env: Environment,
    /// Secret for signing tokens (HS256), at least 32 bytes. Required in production; in
    /// development a random one is made at start-up (tokens then die with the process).
    #[arg(
        long,
        env = "SHOPGRAPH_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: Option<String>,
    /// How long a sign-in token is valid, in seconds.
    #[arg(long, env = "SHOPGRAPH_TOKEN_TTL_SECS", default_value_t = 12 * 3600, global = true)]
    pub token_ttl_secs: u64,
    /// Seconds a signed-in account's status and roles are remembered between requests (0
    /// looks them up on every request). Deactivation or a role change takes effect after at
    /// most this long.
    #[arg(
        long,
        env = "SHOPGRAPH_AUTH_CACHE_SECS",
        default_value_t = 5,
        global = true
    )]
    pub auth_cache_secs: u64,
    /// Password of the admin account `seed` creates; when unset, one is generated and printed once.
    #[arg(
        long,
        env = "SHOPGRAPH_ADMIN_PASSWORD",
        hide_env_values = true,
        global = true
    )]
    pub admin_password: Option<String>,
    /// Deepest field nesting a query may have (introspection aside).
    #[arg(long, env = "SHOPGRAPH_MAX_DEPTH", default_value_t = 12, global = true)]
    pub max_depth: usize,
    /// Highest cost a query may have: each object it can return costs 1, scalars nothing, a
    /// connection its page size times one row's cost (introspection is free).
    #[arg(
        long,
        env = "SHOPGRAPH_MAX_COMPLEXITY",
        default_value_t = 25_000,
        global = true
    )]
    pub max_complexity: usize,
    /// Most selections a query may have once its fragments are expanded.
    #[arg(
        long,
        env = "SHOPGRAPH_MAX_SELECTIONS",
        default_value_t = 2_000,
        global = true
    )]
    pub max_selections: usize,
    /// Largest request body, in bytes.
    #[arg(long, env = "SHOPGRAPH_MAX_BODY_BYTES", default_value_t = 1024 * 1024, global = true)]
    pub max_body_bytes: usize,
    /// Longest time one request may run, in milliseconds.
    #[arg(
        long,
        env = "SHOPGRAPH_REQUEST_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub request_timeout_ms: u64,
    /// GraphQL requests executed at once; more wait their turn (within their timeout). Each
    /// running request holds its whole result tree, so this bounds memory, and past a few per
    /// core running more at once only interleaves them. 0: two per CPU core.
    #[arg(
        long,
        env = "SHOPGRAPH_MAX_CONCURRENT_REQUESTS",
        default_value_t = 0,
        global = true
    )]
    pub max_concurrent_requests: usize,
    /// Serve introspection (default: on in development, off in production).
    #[arg(long, env = "SHOPGRAPH_INTROSPECTION", global = true)]
    pub introspection: Option<bool>,
    /// Serve GraphiQL on GET /graphql (default: on in development, off in production).
    #[arg(long, env = "SHOPGRAPH_GRAPHIQL", global = true)]
    pub graphiql: Option<bool>,
    /// Origins browsers may call from (comma-separated, e.g. `https://shop.example`); none by default.
    #[arg(
        long,
        env = "SHOPGRAPH_CORS_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub cors_origins: Vec<String>,
    /// Seconds in-flight requests may take to finish after SIGINT/SIGTERM.
    #[arg(
        long,
        env = "SHOPGRAPH_SHUTDOWN_GRACE_SECS",
        default_value_t = 30,
        global = true
    )]
    pub shutdown_grace_secs: u64,
    /// How many parsed documents are kept, least recently used dropped first: they serve
    /// automatic persisted queries and spare repeated queries the parser.
    #[arg(
        long,
        env = "SHOPGRAPH_APQ_CACHE_SIZE",
        default_value_t = 1000,
        global = true
    )]
    pub apq_cache_size: usize,
    /// MiB the kept parsed documents may take (a parsed document takes up to 30 times its
    /// text); a document larger than an eighth of this is served but not kept.
    #[arg(
        long,
        env = "SHOPGRAPH_DOCUMENT_CACHE_MIB",
        default_value_t = 32,
        global = true
    )]
    pub document_cache_mib: usize,
    /// Sign-in (and sign-up) attempts allowed per minute on one account, from anywhere.
    #[arg(
        long,
        env = "SHOPGRAPH_LOGIN_ATTEMPTS_PER_ACCOUNT",
        default_value_t = 10,
        global = true
    )]
    pub login_attempts_per_account: u32,
    /// Sign-in (and sign-up) attempts allowed per minute from one client address.
    #[arg(
        long,
        env = "SHOPGRAPH_LOGIN_ATTEMPTS_PER_ADDRESS",
        default_value_t = 60,
        global = true
    )]
    pub login_attempts_per_address: u32,
    /// Requests allowed per second from one client address, over HTTP and WebSocket upgrades
    /// (429 RATE_LIMITED beyond). Off unless set.
    #[arg(long, env = "SHOPGRAPH_RATE_LIMIT_PER_ADDRESS", global = true)]
    pub rate_limit_per_address: Option<u32>,
    /// Serve `/metrics` on this address (`host:port`) only, instead of beside GraphQL: keeps
    /// the metrics off the address clients reach.
    #[arg(long, env = "SHOPGRAPH_METRICS_ADDRESS", global = true)]
    pub metrics_address: Option<String>,
    /// HTTP connections open at once (WebSockets are counted apart); one more is closed as
    /// soon as it is accepted.
    #[arg(
        long,
        env = "SHOPGRAPH_MAX_CONNECTIONS",
        default_value_t = 1024,
        global = true
    )]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers; also the longest a kept-alive
    /// connection may sit idle.
    #[arg(
        long,
        env = "SHOPGRAPH_HEADER_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a request's body (408 beyond).
    #[arg(
        long,
        env = "SHOPGRAPH_BODY_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub body_timeout_secs: u64,
    /// WebSockets open at once; one more is refused with 503 before the upgrade.
    #[arg(
        long,
        env = "SHOPGRAPH_WS_MAX_CONNECTIONS",
        default_value_t = 1000,
        global = true
    )]
    pub ws_max_connections: usize,
    /// Seconds a WebSocket may take to send an accepted `connection_init` (closed with 4408).
    #[arg(
        long,
        env = "SHOPGRAPH_WS_INIT_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub ws_init_timeout_secs: u64,
    /// Subscriptions one WebSocket may run at once.
    #[arg(
        long,
        env = "SHOPGRAPH_WS_MAX_SUBSCRIPTIONS",
        default_value_t = 100,
        global = true
    )]
    pub ws_max_subscriptions: usize,
    /// Longest GraphQL query text accepted, in bytes (`QUERY_TOO_LARGE` beyond); variables
    /// are bounded by the body limit.
    #[arg(
        long,
        env = "SHOPGRAPH_MAX_QUERY_BYTES",
        default_value_t = 100 * 1024,
        global = true
    )]
    pub max_query_bytes: usize,
    /// Microseconds a DataLoader waits before fetching a batch. Batches already gather every key
    /// a request asks for in one step, so 0 adds no latency and loses no batching.
    #[arg(
        long,
        env = "SHOPGRAPH_DATALOADER_DELAY_US",
        default_value_t = 0,
        global = true
    )]
    pub dataloader_delay_us: u64,
    /// How long an `Idempotency-Key` and its answer are kept (e.g. `24h`, `30m`); a key older
    /// than this is new again. Expired keys are deleted in the background.
    #[arg(
        long,
        env = "SHOPGRAPH_IDEMPOTENCY_TTL",
        default_value = "24h",
        global = true
    )]
    pub idempotency_ttl: humantime::Duration,
}

/// Where shopgraph runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Options of `serve`.
#[derive(Clone, Debug, Default, Args)]
pub struct ServeArgs {
    /// Do not apply pending migrations at start-up.
    #[arg(long, env = "SHOPGRAPH_NO_MIGRATE")]
    pub no_migrate: bool,
    /// Add the demo data when start-up creates a new database. Default: true in development
    /// with the default embedded SQLite file (so a first `cargo run` has data to explore),
    /// false in production or whenever DATABASE_URL is set.
    #[arg(long, env = "SHOPGRAPH_SEED_DEMO")]
    pub seed_demo: Option<bool>,
    /// Take a backup this often (e.g. `1h`, `30m`): a snapshot on SQLite, JSON on PostgreSQL.
    #[arg(long, env = "SHOPGRAPH_BACKUP_EVERY")]
    pub backup_every: Option<humantime::Duration>,
    /// How many scheduled backups to keep.
    #[arg(long, env = "SHOPGRAPH_BACKUP_KEEP", default_value_t = 24)]
    pub backup_keep: usize,
}

impl Config {
    /// `--db-max-connections`, with 0 resolved for the database in use.
    pub fn pool_size(&self) -> u32 {
        match self.db_max_connections {
            0 if service::ops::database::is_sqlite(&self.database_url()) => {
                std::thread::available_parallelism().map_or(1, |n| n.get() as u32) + 1
            }
            0 => 8,
            n => n,
        }
    }

    /// `--max-concurrent-requests`, with 0 resolved to two per CPU core.
    pub fn concurrent_requests(&self) -> usize {
        match self.max_concurrent_requests {
            0 => 2 * std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    /// The database URL: the explicit one, or the SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.sqlite_path().display()),
        }
    }

    /// Where backups are written.
    pub fn backups_dir(&self) -> PathBuf {
        self.data_dir.join("backups")
    }

    /// Where start-up writes a snapshot before changing the schema of a database with data.
    pub fn pre_migration_dir(&self) -> PathBuf {
        self.backups_dir().join("pre-migration")
    }

    /// Where the default SQLite database lives.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("shopgraph.db")
    }

    /// Whether introspection is served.
    pub fn introspection_enabled(&self) -> bool {
        self.introspection
            .unwrap_or(self.env == Environment::Development)
    }

    /// Whether GraphiQL is served.
    pub fn graphiql_enabled(&self) -> bool {
        self.graphiql
            .unwrap_or(self.env == Environment::Development)
    }

    /// Pool settings for the service layer.
    pub fn db(&self) -> DbConfig {
        let pool_size = self.pool_size();
        DbConfig {
            url: self.database_url(),
            max_connections: pool_size,
            min_connections: self.db_min_connections.min(pool_size),
            connect_timeout: Duration::from_secs(self.db_connect_timeout_secs),
            acquire_timeout: Duration::from_secs(self.db_acquire_timeout_secs),
            idle_timeout: Duration::from_secs(self.db_idle_timeout_secs),
            slow_statement: Duration::from_millis(self.slow_query_ms),
            sqlite_max_bytes: self
                .sqlite_max_size_mib
                .map(|mib| mib.saturating_mul(1 << 20)),
        }
    }

    /// The file a `sqlite:` database URL points at.
    pub fn sqlite_path_of_url(&self) -> PathBuf {
        let url = self.database_url();
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(&url);
        PathBuf::from(path.split('?').next().unwrap_or(path))
    }

    /// Creates the directory a SQLite database file will be written to.
    pub fn prepare_storage(&self) -> std::io::Result<()> {
        let url = self.database_url();
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or(path);
            let file = std::path::Path::new(path);
            if let Some(dir) = file.parent()
                && !dir.as_os_str().is_empty()
                && path != ":memory:"
            {
                service::ops::backup::private_dir(dir).map_err(std::io::Error::other)?;
            }
            // A new database file is the owner's alone (SQLite would follow the umask).
            if !file.exists() && path != ":memory:" {
                std::fs::File::create(file)?;
                service::ops::backup::private_file(file).map_err(std::io::Error::other)?;
            }
        }
        Ok(())
    }
}
