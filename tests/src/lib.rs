//! Test harness: starts the real shopgraph server on port 0 over a fresh SQLite file or a fresh
//! PostgreSQL database, and talks to it over HTTP.

use api::{Cli, ServeArgs};
use clap::Parser;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use service::DatabaseConnection;
use service::db::StatementCounter;
use std::net::SocketAddr;
use std::sync::Once;
use tempfile::TempDir;

/// Parses flags exactly as the binary would.
fn parse_cli(args: &[&str]) -> Cli {
    Cli::try_parse_from(std::iter::once("shopgraph").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("bad test flags: {e}"))
}

pub use api::graphql::args::Kind;

/// The global id (`id` as the API shows it) of row `id` of `kind`.
pub fn gid(kind: Kind, id: i32) -> String {
    api::graphql::args::global_id(kind, id).0
}

/// The table row number behind a global id.
pub fn db_id(id: &str) -> i32 {
    api::graphql::args::parse_global("id", &async_graphql::ID(id.to_owned()))
        .unwrap_or_else(|_| panic!("not a global id: {id}"))
        .1
}

/// The `createOrder` mutation with the fields most tests read.
pub const CREATE_ORDER: &str = "mutation($input: CreateOrderInput!) {
    createOrder(input: $input) { id status totalCents pointsEarned itemCount }
}";

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub address: SocketAddr,
    pub backend: Backend,
    pub client: reqwest::Client,
    pub statements: StatementCounter,
    pub db: DatabaseConnection,
    pub events: service::events::EventBus,
    pub database_url: String,
    /// Token of the test's admin (user 1, `admin@shopgraph.test`), sent by [`TestApp::graphql`].
    pub admin_token: String,
    /// The server's flags, for [`TestApp::restart`].
    args: Vec<String>,
    /// Stops the server gracefully; its task ends once it has.
    server: Option<(
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    )>,
    _data_dir: TempDir,
    postgres_db: Option<(String, String)>,
}

/// Starts a built server in the background; the sender stops it as a signal would.
fn serve(
    app: api::Application,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = app
            .run_until(async move {
                let _ = stopped.await;
            })
            .await;
    });
    (stop, task)
}

static TRACING: Once = Once::new();

/// Prints logs only when `TEST_LOG` is set, so passing tests stay quiet; always records which
/// requests logged an ERROR ([`logged_error`]).
fn init_tracing() {
    use tracing_subscriber::prelude::*;
    TRACING.call_once(|| {
        let print = std::env::var("TEST_LOG").is_ok().then(|| {
            tracing_subscriber::fmt::layer()
                .compact()
                .with_writer(std::io::stderr)
                .with_filter(tracing_subscriber::EnvFilter::new("info,service=debug"))
        });
        let capture = errors::Capture.with_filter(tracing_subscriber::filter::filter_fn(|m| {
            m.is_span() || *m.level() == tracing::Level::ERROR
        }));
        let _ = tracing_subscriber::registry()
            .with(print)
            .with(capture)
            .try_init();
    });
}

/// Whether the server logged anything at ERROR while serving the request sent with
/// `x-request-id: request_id`.
pub fn logged_error(request_id: &str) -> bool {
    errors::LOGGED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains(request_id)
}

mod errors {
    use std::collections::HashSet;
    use std::sync::{LazyLock, Mutex};
    use tracing::field::{Field, Visit};
    use tracing_subscriber::layer::Context;
    use tracing_subscriber::registry::LookupSpan;

    /// Request ids under which an ERROR was logged.
    pub static LOGGED: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Default::default);

    /// Keeps each span's `request_id`, and notes it when an ERROR happens inside the span.
    pub struct Capture;

    struct RequestId(String);

    struct Find(Option<String>);

    impl Visit for Find {
        fn record_str(&mut self, field: &Field, value: &str) {
            if field.name() == "request_id" {
                self.0 = Some(value.to_owned());
            }
        }

        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "request_id" {
                self.0 = Some(format!("{value:?}").trim_matches('"').to_owned());
            }
        }
    }

    impl<S> tracing_subscriber::Layer<S> for Capture
    where
        S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    {
        fn on_new_span(
            &self,
            attrs: &tracing::span::Attributes<'_>,
            id: &tracing::span::Id,
            ctx: Context<'_, S>,
        ) {
            let mut find = Find(None);
            attrs.record(&mut find);
            if let (Some(found), Some(span)) = (find.0, ctx.span(id)) {
                span.extensions_mut().insert(RequestId(found));
            }
        }

        fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
            if *event.metadata().level() != tracing::Level::ERROR {
                return;
            }
            let Some(scope) = ctx.event_scope(event) else {
                return;
            };
            for span in scope {
                if let Some(RequestId(id)) = span.extensions().get::<RequestId>() {
                    LOGGED
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(id.clone());
                    return;
                }
            }
        }
    }
}

/// Pool settings for a test's own connection to `url` (outside the server's pool).
pub fn db_config(url: &str) -> service::db::DbConfig {
    use std::time::Duration;
    service::db::DbConfig {
        url: url.to_owned(),
        max_connections: 4,
        min_connections: 1,
        connect_timeout: Duration::from_secs(5),
        acquire_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(60),
        slow_statement: Duration::from_secs(1),
        sqlite_max_bytes: None,
    }
}

/// Starts the server on `backend` with a fresh, migrated database. The complexity limit is
/// raised so tests of other things can ask for big pages; `limits` tests use the defaults.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &["--max-complexity", "1000000"]).await
}

/// The JWT secret every test server shares, so a token works on each instance of a test.
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

/// A second server on the same database as `app` (a second instance of one shop).
pub async fn spawn_second_instance(app: &TestApp) -> (SocketAddr, StatementCounter) {
    let dir = app
        ._data_dir
        .path()
        .to_str()
        .expect("utf-8 temp path")
        .to_owned();
    let args = [
        "--port",
        "0",
        "--data-dir",
        &dir,
        "--database-url",
        &app.database_url,
        "--jwt-secret",
        JWT_SECRET,
    ];
    let cli: Cli = parse_cli(&args);
    let second = api::Application::build(&cli.config, &ServeArgs::default())
        .await
        .expect("second instance starts");
    let out = (second.address(), second.statements());
    tokio::spawn(second.run_until_stopped());
    out
}

/// Starts the server with the default configuration plus `extra` flags.
pub async fn spawn_app_with(backend: Backend, extra: &[&str]) -> TestApp {
    spawn_app_in(backend, tempfile::tempdir().expect("temp dir"), extra).await
}

/// Like [`spawn_app_with`], with the data directory (and the SQLite file) in `data_dir`.
pub async fn spawn_app_in(backend: Backend, data_dir: TempDir, extra: &[&str]) -> TestApp {
    init_tracing();
    let dir = data_dir
        .path()
        .to_str()
        .expect("utf-8 temp path")
        .to_owned();
    let (database_url, postgres_db) = match backend {
        Backend::Sqlite => (format!("sqlite://{dir}/shopgraph.db"), None),
        Backend::Postgres => {
            let (url, name, base) = create_postgres_database().await;
            (url, Some((base, name)))
        }
    };
    let mut args = vec![
        "--port",
        "0",
        "--data-dir",
        &dir,
        "--database-url",
        &database_url,
        "--jwt-secret",
        JWT_SECRET,
    ];
    args.extend_from_slice(extra);
    let cli: Cli = parse_cli(&args);
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let app = api::Application::build(&cli.config, &ServeArgs::default())
        .await
        .expect("server starts");
    let address = app.address();
    let statements = app.statements();
    let db = app.db().clone();
    let events = app.events();
    let server = serve(app);
    let mut test_app = TestApp {
        address,
        backend,
        client: reqwest::Client::new(),
        statements,
        db,
        events,
        database_url,
        admin_token: String::new(),
        args,
        server: Some(server),
        _data_dir: data_dir,
        postgres_db,
    };
    // The admin is made directly in the database (there is no admin yet to do it through the
    // API, and setting up over HTTP would fall foul of the limits some tests set very low).
    let signup = service::auth::Signup {
        email: ADMIN_EMAIL.into(),
        name: "Test Admin".into(),
        password: PASSWORD.into(),
    };
    let admin = service::auth::signup(&test_app.db, signup)
        .await
        .expect("admin account");
    service::roles::grant_named(
        &test_app.db,
        &service::access::Viewer::SYSTEM,
        admin.id,
        service::roles::ADMIN,
    )
    .await
    .expect("admin role");
    let keys = api::auth::token::TokenKeys::new(
        JWT_SECRET.as_bytes(),
        std::time::Duration::from_secs(3600),
    );
    test_app.admin_token = keys.issue(admin.id).expect("admin token");
    test_app
}

/// Email of the admin every test app starts with.
pub const ADMIN_EMAIL: &str = "admin@shopgraph.test";
/// Password of every account the tests sign up.
pub const PASSWORD: &str = "correct horse battery";

/// Whether this is a CI run (`CI=true` or `CI=1`, read as `build.rs` reads it): there a test
/// that lacks what it needs (PostgreSQL, a browser) fails instead of being skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The server's PostgreSQL base URL from `TEST_DATABASE_URL`.
pub fn postgres_base_url() -> String {
    std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL is set for PostgreSQL tests")
}

/// Creates an empty database named with a UUID; returns (its URL, its name, the base URL).
pub async fn create_postgres_database() -> (String, String, String) {
    let base = postgres_base_url();
    let name = format!("shopgraph_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&base)
        .await
        .expect("connect to TEST_DATABASE_URL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create test database");
    admin.close().await.ok();
    let url = with_database(&base, &name);
    (url, name, base)
}

/// Drops a database made by [`create_postgres_database`] (closing its other connections).
pub async fn drop_postgres_database(base: &str, name: &str) {
    if let Ok(admin) = Database::connect(base).await {
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await;
        let _ = admin.close().await;
    }
}

/// `base` with its database name replaced by `name` (query parameters kept).
fn with_database(base: &str, name: &str) -> String {
    let (address, query) = base.split_once('?').unwrap_or((base, ""));
    let scheme_end = address.find("://").map_or(0, |i| i + 3);
    let host_end = address[scheme_end..]
        .find('/')
        .map_or(address.len(), |i| scheme_end + i);
    let host = &address[..host_end];
    if query.is_empty() {
        format!("{host}/{name}")
    } else {
        format!("{host}/{name}?{query}")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Drop the PostgreSQL database on a separate runtime: Drop cannot await, and the test's
        // runtime may already be shutting down. FORCE closes the server's pooled connections.
        if let Some((base, name)) = self.postgres_db.take() {
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(admin) = Database::connect(&base).await {
                        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                        let _ = admin.execute_unprepared(&sql).await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

impl TestApp {
    /// Stops the server as SIGTERM would (in-flight requests finish, the WAL is folded in, the
    /// pool is closed) and starts it again on the same database, with `extra` flags in place
    /// of the first ones after the database's.
    pub async fn restart(&mut self, extra: &[&str]) {
        if let Some((stop, task)) = self.server.take() {
            let _ = stop.send(());
            task.await.expect("server stopped");
        }
        let mut args: Vec<&str> = self.args.iter().take(8).map(String::as_str).collect();
        args.extend_from_slice(extra);
        let cli: Cli = parse_cli(&args);
        let app = api::Application::build(&cli.config, &ServeArgs::default())
            .await
            .expect("server starts again");
        self.address = app.address();
        self.statements = app.statements();
        self.db = app.db().clone();
        self.events = app.events();
        self.server = Some(serve(app));
    }

    /// The data directory the server was started with.
    pub fn data_dir(&self) -> &std::path::Path {
        self._data_dir.path()
    }

    /// `http://address/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    /// POSTs a GraphQL request as the admin and returns the whole JSON response.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.graphql_as(Some(&self.admin_token), query, variables)
            .await
    }

    /// POSTs a GraphQL request with `token` (anonymous when `None`).
    pub async fn graphql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        response.json().await.expect("JSON response")
    }

    /// Signs up a customer with [`PASSWORD`]; returns (id, token).
    pub async fn signup(&self, email: &str, name: &str) -> (String, String) {
        let body = self
            .graphql_as(
                None,
                "mutation($e: String!, $n: String!, $p: String!) { signup(email: $e, name: $n, password: $p) { token user { id } } }",
                json!({ "e": email, "n": name, "p": PASSWORD }),
            )
            .await;
        assert!(body.get("errors").is_none(), "signup failed: {body:#}");
        let payload = &body["data"]["signup"];
        (
            payload["user"]["id"].as_str().expect("id").to_owned(),
            payload["token"].as_str().expect("token").to_owned(),
        )
    }

    /// Signs in with [`PASSWORD`]; returns the token.
    pub async fn login(&self, email: &str) -> String {
        let body = self
            .graphql_as(
                None,
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                json!({ "e": email, "p": PASSWORD }),
            )
            .await;
        assert!(body.get("errors").is_none(), "login failed: {body:#}");
        body["data"]["login"]["token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// Runs a request that must succeed and returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Runs a request that must fail and returns its first error.
    pub async fn error(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        body["errors"][0].clone()
    }

    /// Runs a request that must fail and returns its first error's `extensions.code`.
    pub async fn error_code(&self, query: &str, variables: Value) -> String {
        let error = self.error(query, variables).await;
        error["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("error without code: {error:#}"))
            .to_owned()
    }

    /// Creates a user through the API and returns its id.
    pub async fn create_user(&self, email: &str, name: &str) -> String {
        let data = self
            .data(
                "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
                json!({ "input": { "email": email, "name": name } }),
            )
            .await;
        data["createUser"]["id"].as_str().expect("id").to_owned()
    }

    /// Creates a post through the API and returns its id.
    pub async fn create_post(&self, author_id: &str, title: &str, publish: bool) -> String {
        let data = self
            .data(
                "mutation($input: CreatePostInput!) { createPost(input: $input) { id } }",
                json!({ "input": { "authorId": author_id, "title": title, "content": "body", "publish": publish } }),
            )
            .await;
        data["createPost"]["id"].as_str().expect("id").to_owned()
    }

    /// Adds a product named `Product <slug>` with SKU `SKU-<slug>`; returns its row number.
    pub async fn create_product(
        &self,
        slug: &str,
        category: &str,
        price_cents: i64,
        stock: i32,
    ) -> i32 {
        let input = json!({
            "sku": format!("SKU-{slug}"), "slug": slug, "name": format!("Product {slug}"),
            "category": category, "priceCents": price_cents, "stock": stock,
        });
        let data = self
            .data(
                "mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }",
                json!({ "input": input }),
            )
            .await;
        db_id(data["createProduct"]["id"].as_str().expect("id"))
    }

    /// The `createOrder` variables for `customer` buying `lines` of (product id, quantity).
    pub fn order_input(customer: &str, lines: &[(i32, i32)]) -> Value {
        let items: Vec<Value> = lines
            .iter()
            .map(|(product, quantity)| json!({ "productId": gid(Kind::Product, *product), "quantity": quantity }))
            .collect();
        json!({ "input": { "customerId": customer, "items": items } })
    }

    /// Places an order through the API and returns its row number.
    pub async fn create_order(&self, customer: &str, lines: &[(i32, i32)]) -> i32 {
        let data = self
            .data(CREATE_ORDER, Self::order_input(customer, lines))
            .await;
        db_id(data["createOrder"]["id"].as_str().expect("id"))
    }

    /// Statements the server ran while `f` was awaited.
    /// Asserts that every user's balance equals the sum of their ledger rows.
    pub async fn assert_ledger_consistent(&self) {
        let mismatches = service::points::verify_ledger(&self.db)
            .await
            .expect("ledger check runs");
        assert!(
            mismatches.is_empty(),
            "balances off their ledger: {mismatches:?}"
        );
    }

    pub async fn count_statements<F: std::future::Future>(&self, f: F) -> (F::Output, u64) {
        let before = self.statements.get();
        let out = f.await;
        (out, self.statements.get() - before)
    }
}

/// What a WebSocket did next.
#[derive(Debug)]
pub enum Heard {
    Message(Value),
    /// Closed, with the close frame's code when there was one.
    Closed(Option<u16>),
    Silence,
}

/// A graphql-transport-ws client.
pub struct WsClient {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl WsClient {
    /// Connects to `address`'s `/graphql/ws` and sends `connection_init` with `token`.
    /// Returns the client once acknowledged, or the server's refusal.
    pub async fn connect(address: SocketAddr, token: Option<&str>) -> Result<Self, String> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{address}/graphql/ws")
            .into_client_request()
            .map_err(|e| e.to_string())?;
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().expect("header"),
        );
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| e.to_string())?;
        let mut client = Self { socket };
        let payload = token.map_or(
            json!({}),
            |t| json!({ "Authorization": format!("Bearer {t}") }),
        );
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        match client.next().await {
            Some(message) if message["type"] == "connection_ack" => Ok(client),
            other => Err(format!("not acknowledged: {other:?}")),
        }
    }

    /// Opens `/graphql/ws` without sending `connection_init`.
    pub async fn open(address: SocketAddr) -> Self {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{address}/graphql/ws")
            .into_client_request()
            .expect("request");
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().expect("header"),
        );
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("WebSocket opens");
        Self { socket }
    }

    /// Sends a raw protocol message.
    pub async fn send_message(&mut self, message: Value) {
        self.send(message).await;
    }

    /// What the socket does next within `limit` (pings answered and skipped).
    pub async fn hear(&mut self, limit: std::time::Duration) -> Heard {
        use futures_util::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        let until = tokio::time::Instant::now() + limit;
        loop {
            let Ok(next) = tokio::time::timeout_at(until, self.socket.next()).await else {
                return Heard::Silence;
            };
            match next {
                None | Some(Err(_)) => return Heard::Closed(None),
                Some(Ok(Message::Close(frame))) => {
                    return Heard::Closed(frame.map(|f| u16::from(f.code)));
                }
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    if value["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Heard::Message(value);
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    async fn send(&mut self, message: Value) {
        use futures_util::SinkExt;
        let text = message.to_string();
        self.socket
            .send(tokio_tungstenite::tungstenite::Message::Text(text.into()))
            .await
            .expect("ws send");
    }

    /// Starts subscription `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } })).await;
    }

    /// The next protocol message (pings answered and skipped), or `None` after 5 s of silence
    /// or when the server closes the connection.
    pub async fn next(&mut self) -> Option<Value> {
        self.next_within(std::time::Duration::from_secs(5)).await
    }

    /// Like [`WsClient::next`] with another time limit.
    pub async fn next_within(&mut self, limit: std::time::Duration) -> Option<Value> {
        use futures_util::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        loop {
            let message = tokio::time::timeout(limit, self.socket.next())
                .await
                .ok()??
                .ok()?;
            match message {
                Message::Text(text) => {
                    let value: Value = serde_json::from_str(&text).ok()?;
                    if value["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Some(value);
                }
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }
}

/// Like [`both_backends!`] for tests that start their own servers:
/// `on_each_backend!(name);` expects `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! on_each_backend {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(no_postgres, ignore = "TEST_DATABASE_URL is not set")]
            async fn postgres() {
                super::$name($crate::Backend::Postgres).await;
            }
        }
    )+};
}

/// Declares one end-to-end test that runs on SQLite and on PostgreSQL:
/// `both_backends!(name);` expects `async fn name(app: TestApp)` in the same module.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::spawn_app($crate::Backend::Sqlite).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(no_postgres, ignore = "TEST_DATABASE_URL is not set")]
            async fn postgres() {
                super::$name($crate::spawn_app($crate::Backend::Postgres).await).await;
            }
        }
    )+};
}
