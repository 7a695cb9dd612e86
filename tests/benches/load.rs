//! The load benchmark: `cargo bench -p tests --bench load [-- options]`.
//!
//! Seeds the standard data once (`shopgraph seed`'s demo data, then the rows
//! `tests::bench_data` generates; cached by seed and size under `target/bench-data`, and copied
//! afresh for each scenario, so no scenario sees another's writes), starts the
//! `shopgraph` binary built with the `dist` profile as a separate process for each scenario,
//! drives it over HTTP with N concurrent keep-alive connections for a fixed time after a
//! warm-up, and prints one table: requests/s, p50/p95/p99 latency, errors, SQL statements per
//! request, and the server's peak RSS. Start-up time to ready (on the migrated database) is
//! printed too.
//!
//! Beside Q1, Q2 and Q3 it runs the same three queries against a ceiling on the same database
//! (SQLite, or PostgreSQL with `--database-url`): the same statements by hand behind a bare axum
//! handler, with no ORM and no value tree (`ceiling.rs`), and prints shopgraph's throughput as
//! a share of it. The two take turns in five slices of the run each, so a change
//! in the machine's speed during the run weighs on both alike. A scenario written `Q2@200` sends a fixed 200 requests/s
//! instead of saturating the server, and measures latency from when each request was due, so
//! a stalled server cannot hide its queue (no coordinated omission). Q2 and Q3 also report
//! SQL statements per request at page sizes 5 and 50: equal means no N+1.
//!
//! `W1K` is W1 with a new `Idempotency-Key` on every request: what remembering each order's
//! key and answer costs the checkout.
//!
//! Two scenarios are hostile: `BOMB` keeps 8 fragment chains (24 and 30 levels, each
//! spreading the one before twice) in flight and reports, beside their own rate, the latency
//! of Q1 at 200/s and of `/health/live` sent meanwhile; `BIGDOCS` sends 200 distinct documents
//! of the largest accepted size and reports the server's peak RSS.
//!
//! Options: `--scenario Q1,Q2,Q3,W1,W1K,MIX,Q2@200,Q1@2000,BOMB,BIGDOCS` (the default), `--connections 64`,
//! `--seconds 10`, `--warmup 2`, `--database-url URL` (default: a cached SQLite file),
//! `--users`, `--orders`.

// A failed step here is a failed test or benchmark run: panicking with its message is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ceiling;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tests::Kind;

const ADMIN_PASSWORD: &str = "bench-admin-password";
const JWT_SECRET: &str = "bench-secret-bench-secret-bench-secret-0123";

struct Options {
    scenarios: Vec<String>,
    connections: usize,
    seconds: u64,
    warmup: u64,
    database_url: Option<String>,
    users: u32,
    orders: u32,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    Options {
        scenarios: value("--scenario")
            .unwrap_or_else(|| "Q1,Q2,Q3,W1,W1K,MIX,Q2@200,Q1@2000,BOMB,BIGDOCS".into())
            .split(',')
            .map(|s| s.trim().to_uppercase())
            .collect(),
        connections: value("--connections")
            .and_then(|v| v.parse().ok())
            .unwrap_or(64),
        seconds: value("--seconds")
            .and_then(|v| v.parse().ok())
            .unwrap_or(10),
        warmup: value("--warmup").and_then(|v| v.parse().ok()).unwrap_or(2),
        database_url: value("--database-url"),
        users: value("--users")
            .and_then(|v| v.parse().ok())
            .unwrap_or(10_000),
        orders: value("--orders")
            .and_then(|v| v.parse().ok())
            .unwrap_or(50_000),
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
}

/// Builds the server with the `dist` profile, as deployed (cargo bench does not build other
/// packages' binaries).
///
/// It gets a target directory of its own: built alone, `api` resolves its dependencies'
/// features differently than inside this bench, and sharing `target/release` would make the
/// two builds recompile each other every run.
fn build_server() -> PathBuf {
    let target = target_dir().join("bench-server");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--profile",
            "dist",
            "-p",
            "api",
            "--bin",
            "shopgraph",
        ])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(workspace())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the dist build failed");
    target.join("dist").join("shopgraph")
}

fn shopgraph(binary: &Path, data_dir: &Path, url: &Option<String>, args: &[&str]) {
    let mut command = Command::new(binary);
    command
        .args(args)
        .env("SHOPGRAPH_DATA_DIR", data_dir)
        .env("SHOPGRAPH_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("SHOPGRAPH_LOG", "warn");
    match url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    let status = command.status().expect("shopgraph runs");
    assert!(status.success(), "shopgraph {args:?} failed");
}

/// Writes the generated rows after the demo data `shopgraph seed` left (so its admin signs in).
async fn generate(data_dir: &Path, options: &Options) {
    use tests::bench_data::{Spec, generate};
    let url = options
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("shopgraph.db").display()));
    let connected = service::ops::database::connect(&tests::db_config(&url))
        .await
        .expect("the seeded database opens");
    let spec = Spec {
        users: options.users,
        orders: options.orders,
        ..Spec::STANDARD
    };
    let started = Instant::now();
    let generated = generate(&connected.db, spec, |table, rows| {
        eprintln!("wrote {rows} {table}")
    })
    .await
    .expect("generating the benchmark data");
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{} rows in {secs:.2} s ({:.0} rows/s)",
        generated.rows,
        generated.rows as f64 / secs
    );
    connected.db.close().await.expect("the database closes");
}

struct Server {
    child: Child,
    address: String,
    startup: Duration,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// A copy of the seeded SQLite data for one scenario to change, beside it.
fn fresh_copy(seeded: &Path) -> PathBuf {
    let copy = seeded.with_extension("run");
    let _ = std::fs::remove_dir_all(&copy);
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(seeded).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
        }
    }
    copy
}

fn start(binary: &Path, data_dir: &Path, url: &Option<String>) -> Server {
    let started = Instant::now();
    let mut command = Command::new(binary);
    command
        .args([
            "serve",
            "--port",
            "0",
            "--log-format",
            "json",
            "--log",
            "info",
            "--max-complexity",
            "1000000",
        ])
        .env("SHOPGRAPH_DATA_DIR", data_dir)
        .env("SHOPGRAPH_JWT_SECRET", JWT_SECRET)
        .stderr(Stdio::piped());
    match url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    let mut child = command.spawn().expect("server starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = std::io::BufReader::new(stderr).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("server logs until ready")
            .expect("log line");
        if let Ok(event) = serde_json::from_str::<Value>(&line)
            && let Some(address) = event["fields"]["address"].as_str()
        {
            break address.to_owned();
        }
    };
    let startup = started.elapsed();
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        address,
        startup,
    }
}

/// Forgets a process's peak resident memory, so the next reading covers what follows only
/// (the admin login's argon2 hash, 19 MiB, would otherwise be every scenario's peak).
fn reset_peak_rss(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// Peak resident memory of a process, from /proc.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

async fn gql(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> Result<Value, String> {
    gql_keyed(client, url, token, None, query, variables).await
}

/// [`gql`] with an `Idempotency-Key`.
async fn gql_keyed(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    key: Option<String>,
    query: &str,
    variables: Value,
) -> Result<Value, String> {
    let mut request = client
        .post(url)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    if !token.is_empty() {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status()));
    }
    let body: Value = response.json().await.map_err(|e| e.to_string())?;
    if body.get("errors").is_some() {
        let error = &body["errors"][0];
        return Err(format!(
            "{}: {}",
            error["extensions"]["code"].as_str().unwrap_or("no code"),
            error["message"]
        ));
    }
    Ok(body)
}

async fn sql_statements(address: &str) -> f64 {
    // A connection of its own: a pooled one may have sat idle through a whole scenario, past
    // the server's 10 s keep-alive, and be closed just as this request goes out on it.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let text = client
        .get(format!("http://{address}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|l| l.starts_with("shopgraph_sql_statements "))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// What every request needs to pick its arguments.
/// The global id of row `id` (the bench data's ids are row numbers).
fn gid(kind: Kind, id: i64) -> String {
    tests::gid(kind, i32::try_from(id).expect("row ids fit i32"))
}

struct Ids {
    users: Vec<i64>,
    products: Vec<i64>,
    cursors: Vec<String>,
}

async fn ids(client: &reqwest::Client, url: &str, token: &str) -> Ids {
    let mut users = Vec::new();
    let mut cursors = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = gql(client, url, token, "query($a: String) { users(first: 100, after: $a) { pageInfo { hasNextPage endCursor } edges { cursor node { databaseId } } } }", json!({ "a": after }))
            .await
            .expect("list users");
        let page = &body["data"]["users"];
        for edge in page["edges"].as_array().unwrap() {
            users.push(edge["node"]["databaseId"].as_i64().expect("a row number"));
            cursors.push(edge["cursor"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let mut products = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = gql(client, url, token, "query($a: String) { products(first: 100, after: $a, filter: { stock: { gt: 1000 } }) { pageInfo { hasNextPage endCursor } nodes { databaseId } } }", json!({ "a": after }))
            .await
            .expect("list products");
        let page = &body["data"]["products"];
        products.extend(
            page["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["databaseId"].as_i64().expect("a row number")),
        );
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    Ids {
        users,
        products,
        cursors,
    }
}

const Q1: &str = "query Q1($id: ID!) { user(id: $id) { id name email tier } }";
const Q2: &str = "query Q2($after: String, $first: Int = 50) { users(first: $first, after: $after) { nodes { id name posts(first: 10) { nodes { id title author { id name } } } } } }";
const Q3: &str = "query Q3($first: Int = 50) { orders(first: $first, filter: { status: { eq: PAID } }) { nodes { id totalCents customer { name } items { quantity unitPriceCents product { name } } } } }";
const W1: &str = "mutation W1($input: CreateOrderInput!) { createOrder(input: $input) { id } }";

/// Where requests go: shopgraph's GraphQL endpoint, or the hand-written ceiling.
#[derive(Clone)]
enum Target {
    Shopgraph {
        url: Arc<String>,
        token: Arc<String>,
    },
    Ceiling {
        base: Arc<String>,
    },
}

/// One request of `kind` (MIX picks one), with random arguments.
async fn send(
    client: &reqwest::Client,
    target: &Target,
    kind: &str,
    ids: &Ids,
    rng: &mut StdRng,
) -> Result<(), String> {
    let kind = if kind == "MIX" {
        match rng.gen_range(0..100) {
            0..30 => "Q1",
            30..60 => "Q2",
            60..90 => "Q3",
            _ => "W1",
        }
    } else {
        kind
    };
    let user = rng.gen_range(0..ids.users.len());
    let page_start = rng.gen_range(0..ids.cursors.len().saturating_sub(50).max(1));
    if let Target::Ceiling { base } = target {
        let body = match kind {
            "Q1" => json!({ "id": ids.users[user] }),
            "Q2" => json!({ "after": ids.users[page_start] }),
            _ => json!({}),
        };
        let url = format!("{base}/{}", kind.to_lowercase());
        let response = client
            .post(url)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status()));
        }
        // Parsed like shopgraph's answers, so the client's work is the same.
        let _: Value = response.json().await.map_err(|e| e.to_string())?;
        return Ok(());
    }
    let Target::Shopgraph { url, token } = target else {
        unreachable!()
    };
    let (query, variables) = match kind {
        "Q1" => (Q1, json!({ "id": gid(Kind::User, ids.users[user]) })),
        "Q2" => (Q2, json!({ "after": ids.cursors[page_start] })),
        "Q3" => (Q3, json!({})),
        _ => {
            let lines = rng.gen_range(1..=5);
            let mut items = Vec::new();
            for _ in 0..lines {
                let product = ids.products[rng.gen_range(0..ids.products.len())];
                if !items
                    .iter()
                    .any(|i: &Value| i["productId"] == gid(Kind::Product, product))
                {
                    items.push(json!({ "productId": gid(Kind::Product, product), "quantity": 1 }));
                }
            }
            let customer = ids.users[user];
            (
                W1,
                json!({ "input": { "customerId": gid(Kind::User, customer), "items": items } }),
            )
        }
    };
    let key = (kind == "W1K").then(|| format!("{:032x}", rng.r#gen::<u128>()));
    gql_keyed(client, url, token, key, query, variables)
        .await
        .map(|_| ())
}

#[derive(Default)]
struct Outcome {
    requests: usize,
    errors: usize,
    first_error: Option<String>,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Outcome {
    /// Closes a run that began at `started`.
    fn finish(mut self, started: Instant) -> Self {
        self.elapsed = started.elapsed();
        self.latencies.sort();
        self
    }

    /// Both runs as one (runs taken in turns with another target's).
    fn merge(mut self, other: Outcome) -> Self {
        self.elapsed += other.elapsed;
        self.add(other.latencies, other.errors, other.first_error);
        self.latencies.sort();
        self
    }

    fn add(&mut self, latencies: Vec<Duration>, errors: usize, first_error: Option<String>) {
        self.requests += latencies.len() + errors;
        self.errors += errors;
        self.latencies.extend(latencies);
        if self.first_error.is_none() {
            self.first_error = first_error;
        }
    }
}

/// An HTTP client that keeps up to `connections` connections open.
fn client_for(connections: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .unwrap()
}

/// Turns each side of a ceiling comparison takes (each `--seconds` / `TURNS` long).
const TURNS: u32 = 5;

/// Drives `target` with `connections` clients, each sending its next request as soon as the
/// last one is answered, for `duration`.
async fn drive(
    target: &Target,
    ids: Arc<Ids>,
    kind: &str,
    connections: usize,
    duration: Duration,
) -> Outcome {
    let client = client_for(connections);
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|c| {
            let (client, target, ids, kind) =
                (client.clone(), target.clone(), ids.clone(), kind.to_owned());
            tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(c as u64);
                let mut latencies = Vec::new();
                let mut errors = 0;
                let mut first_error = None;
                while started.elapsed() < duration {
                    let t = Instant::now();
                    match send(&client, &target, &kind, &ids, &mut rng).await {
                        Ok(()) => latencies.push(t.elapsed()),
                        Err(e) => {
                            errors += 1;
                            first_error.get_or_insert(e);
                        }
                    }
                }
                (latencies, errors, first_error)
            })
        })
        .collect();
    let mut outcome = Outcome::default();
    for task in tasks {
        let (latencies, errors, first_error) = task.await.unwrap();
        outcome.add(latencies, errors, first_error);
    }
    outcome.finish(started)
}

/// Sends `rate` requests per second for `duration`, whatever the server does (up to
/// `connections` at once), timing each from when it was due.
async fn drive_at_rate(
    target: &Target,
    ids: Arc<Ids>,
    kind: &str,
    rate: u32,
    connections: usize,
    duration: Duration,
) -> Outcome {
    let client = client_for(connections);
    let in_flight = Arc::new(tokio::sync::Semaphore::new(connections));
    let started = Instant::now();
    let total = (rate as f64 * duration.as_secs_f64()) as u64;
    let mut rng = StdRng::seed_from_u64(7);
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        let due = started + Duration::from_secs_f64(n as f64 / rate as f64);
        tokio::time::sleep_until(due.into()).await;
        let mut request_rng = StdRng::seed_from_u64(rng.r#gen());
        let (client, target, ids, kind, in_flight) = (
            client.clone(),
            target.clone(),
            ids.clone(),
            kind.to_owned(),
            in_flight.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let _permit = in_flight.acquire().await.unwrap();
            let result = send(&client, &target, &kind, &ids, &mut request_rng).await;
            (due.elapsed(), result)
        }));
    }
    let mut outcome = Outcome::default();
    for task in tasks {
        let (latency, result) = task.await.unwrap();
        match result {
            Ok(()) => outcome.add(vec![latency], 0, None),
            Err(e) => outcome.add(Vec::new(), 1, Some(e)),
        }
    }
    outcome.finish(started)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// The ceiling server as a child process, over a SQLite file's path or a PostgreSQL URL.
fn start_ceiling(database: &str) -> Server {
    let started = Instant::now();
    let mut child = Command::new(std::env::current_exe().expect("own path"))
        .args(["--ceiling-server", database])
        .stdout(Stdio::piped())
        .spawn()
        .expect("ceiling starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let address = lines
        .next()
        .expect("ceiling says where it listens")
        .expect("line")
        .trim_start_matches("listening on ")
        .to_owned();
    Server {
        child,
        address,
        startup: started.elapsed(),
    }
}

/// SQL statements per request for `query` at page size `first` (sequential requests).
async fn statements_at(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    query: &str,
    ids: &Ids,
    first: i32,
) -> f64 {
    let url = format!("http://{}/graphql", server.address);
    let rounds = 20;
    let before = sql_statements(&server.address).await;
    for n in 0..rounds {
        let variables = json!({ "first": first, "after": ids.cursors[n * 97 % ids.cursors.len()] });
        gql(client, &url, token, query, variables)
            .await
            .expect("query runs");
    }
    let after = sql_statements(&server.address).await;
    (after - before) / rounds as f64
}

struct Row<'a> {
    name: &'a str,
    connections: String,
    outcome: &'a Outcome,
    statements: Option<f64>,
    rss_kib: Option<u64>,
    note: String,
}

fn print_row(row: Row<'_>) {
    let outcome = row.outcome;
    let rps = outcome.requests as f64 / outcome.elapsed.as_secs_f64();
    println!(
        "{:<12} {:>6} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>8} {:>9} {}",
        row.name,
        row.connections,
        rps,
        percentile(&outcome.latencies, 0.50),
        percentile(&outcome.latencies, 0.95),
        percentile(&outcome.latencies, 0.99),
        outcome.errors,
        row.statements
            .map(|s| format!("{s:.2}"))
            .unwrap_or_else(|| "-".into()),
        row.rss_kib
            .map(|r| format!("{} MB", r / 1024))
            .unwrap_or_else(|| "-".into()),
        row.note,
    );
    if let Some(error) = &outcome.first_error {
        println!("             first error: {error}");
    }
}

fn rate_of(outcome: &Outcome) -> f64 {
    outcome.requests as f64 / outcome.elapsed.as_secs_f64()
}

/// `levels` fragments on Query, each spreading the one before twice: 2^levels selections once
/// expanded, in about 60 bytes a level.
fn fragment_chain(levels: usize) -> String {
    let mut query = format!(
        "query Bomb {{ ...F{levels} }}\nfragment F1 on Query {{ products {{ totalCount }} }}\n"
    );
    for level in 2..=levels {
        let prev = level - 1;
        query.push_str(&format!(
            "fragment F{level} on Query {{ ...F{prev} ...F{prev} }}\n"
        ));
    }
    query
}

/// 8 connections sending fragment chains for `duration`, while Q1 goes at 200/s and
/// `/health/live` at 20/s; one row for each.
async fn bomb(server: &Server, target: &Target, ids: Arc<Ids>, duration: Duration) {
    let Target::Shopgraph { url, token } = target else {
        return;
    };
    reset_peak_rss(server.child.id());
    let started = Instant::now();
    let bombs: Vec<_> = (0..8)
        .map(|c| {
            let (url, token) = (url.clone(), token.clone());
            tokio::spawn(async move {
                let client = client_for(1);
                let document = fragment_chain(if c % 2 == 0 { 24 } else { 30 });
                let mut outcome = Outcome::default();
                while started.elapsed() < duration {
                    let t = Instant::now();
                    let answer = gql(&client, &url, &token, &document, json!({})).await;
                    // `gql` answers a response with errors as `Err(first message)`.
                    let refused = matches!(&answer, Err(m) if m.starts_with(TOO_COMPLEX));
                    if refused {
                        outcome.add(vec![t.elapsed()], 0, None);
                    } else {
                        outcome.add(Vec::new(), 1, Some(format!("{answer:?}")));
                    }
                }
                outcome
            })
        })
        .collect();
    let live = {
        let address = server.address.clone();
        tokio::spawn(async move {
            let client = client_for(4);
            let mut outcome = Outcome::default();
            let mut ticks = tokio::time::interval(Duration::from_millis(50));
            while started.elapsed() < duration {
                ticks.tick().await;
                let t = Instant::now();
                match client
                    .get(format!("http://{address}/health/live"))
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => outcome.add(vec![t.elapsed()], 0, None),
                    other => outcome.add(Vec::new(), 1, Some(format!("{other:?}"))),
                }
            }
            outcome
        })
    };
    let q1 = drive_at_rate(target, ids, "Q1", 200, 64, duration).await;
    let mut bombed = Outcome::default();
    for task in bombs {
        bombed = bombed.merge(task.await.unwrap());
    }
    let bombed = bombed.finish(started);
    let live = live.await.unwrap().finish(started);
    let rss = peak_rss_kib(server.child.id());
    for (name, outcome, connections) in [
        ("BOMB", &bombed, "8"),
        ("BOMB+Q1", &q1, "200/s"),
        ("BOMB+live", &live, "20/s"),
    ] {
        print_row(Row {
            name,
            connections: connections.into(),
            outcome,
            statements: None,
            rss_kib: Some(rss),
            note: if name == "BOMB" {
                "fragment chains of 24 and 30 levels".into()
            } else {
                String::new()
            },
        });
    }
}

/// The code of a document refused for its selections or cost.
const TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";

/// 200 distinct documents of the largest accepted size (100 KiB of aliased fields), 8 at a
/// time; one row with the server's peak RSS.
async fn big_documents(server: &Server, url: &str, token: &str) {
    const LARGEST: usize = 100 * 1024;
    reset_peak_rss(server.child.id());
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (url, token, next) = (url.to_owned(), token.to_owned(), next.clone());
            tokio::spawn(async move {
                let client = client_for(1);
                let mut outcome = Outcome::default();
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= 200 {
                        return outcome;
                    }
                    let mut document = String::from("{");
                    let mut i = 0;
                    while document.len() < LARGEST - 40 {
                        document.push_str(&format!(" d{n}f{i}: __typename"));
                        i += 1;
                    }
                    document.push_str(" }");
                    let t = Instant::now();
                    match gql(&client, &url, &token, &document, json!({})).await {
                        // Refused for its selections after it was parsed: what is measured.
                        Ok(_) => outcome.add(vec![t.elapsed()], 0, None),
                        Err(m) if m.starts_with(TOO_COMPLEX) => {
                            outcome.add(vec![t.elapsed()], 0, None)
                        }
                        other => outcome.add(
                            Vec::new(),
                            1,
                            Some(format!("{other:?}").chars().take(200).collect()),
                        ),
                    }
                }
            })
        })
        .collect();
    let mut outcome = Outcome::default();
    for task in tasks {
        outcome = outcome.merge(task.await.unwrap());
    }
    let outcome = outcome.finish(started);
    print_row(Row {
        name: "BIGDOCS",
        connections: "8".into(),
        outcome: &outcome,
        statements: None,
        rss_kib: Some(peak_rss_kib(server.child.id())),
        note: "200 distinct 100 KiB documents".into(),
    });
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--ceiling-server") {
        // PostgreSQL gets shopgraph's default pool size there (SQLite's ceiling has a
        // connection per runtime worker instead).
        ceiling::serve(&args[i + 1], 8).await;
        return;
    }
    let options = options();
    let binary = build_server();
    let name = format!("seed42-{}u-10p-1000pr-{}o", options.users, options.orders);
    let data_dir = target_dir().join("bench-data").join(&name);
    let seeded_marker = data_dir.join(".seeded");
    if options.database_url.is_some() || !seeded_marker.exists() {
        std::fs::create_dir_all(&data_dir).unwrap();
        let started = Instant::now();
        shopgraph(&binary, &data_dir, &options.database_url, &["seed"]);
        generate(&data_dir, &options).await;
        eprintln!("seeded {name} in {:.1} s", started.elapsed().as_secs_f64());
        if options.database_url.is_none() {
            std::fs::write(&seeded_marker, "").unwrap();
        }
    }
    let seeded = data_dir;

    println!(
        "\n{:<12} {:>6} {:>9} {:>8} {:>8} {:>8} {:>7} {:>8} {:>9}",
        "scenario", "conns", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "SQL/req", "peak RSS"
    );
    let mut startups = Vec::new();
    let mut page_checks = Vec::new();
    for scenario in &options.scenarios {
        let (kind, rate) = match scenario.split_once('@') {
            Some((kind, rate)) => (kind.to_owned(), rate.parse::<u32>().ok()),
            None => (scenario.clone(), None),
        };
        // Every scenario starts from the standard data: W1's orders stay in its own copy.
        let data_dir = match &options.database_url {
            Some(_) => seeded.clone(),
            None => fresh_copy(&seeded),
        };
        let database = match &options.database_url {
            Some(url) => url.clone(),
            None => data_dir
                .join("shopgraph.db")
                .to_str()
                .expect("utf-8 path")
                .to_owned(),
        };
        let server = start(&binary, &data_dir, &options.database_url);
        startups.push(server.startup);
        let url = Arc::new(format!("http://{}/graphql", server.address));
        let client = reqwest::Client::new();
        let login = "mutation { login(email: \"admin@shopgraph.dev\", password: \"bench-admin-password\") { token } }";
        let body = gql(&client, &url, "", login, json!({}))
            .await
            .expect("admin login");
        let token = Arc::new(
            body["data"]["login"]["token"]
                .as_str()
                .expect("token")
                .to_owned(),
        );
        let ids = Arc::new(ids(&client, &url, &token).await);
        let target = Target::Shopgraph {
            url: url.clone(),
            token: token.clone(),
        };
        let warmup = Duration::from_secs(options.warmup);
        let duration = Duration::from_secs(options.seconds);
        match kind.as_str() {
            "BOMB" => {
                bomb(&server, &target, ids.clone(), duration).await;
                continue;
            }
            "BIGDOCS" => {
                big_documents(&server, &url, &token).await;
                continue;
            }
            _ => {}
        }
        // The same requests against the hand-written ceiling on the same database, run in
        // turns with shopgraph's in short slices, so that a change in the machine's speed (it
        // shares its host) falls on both sides of the ratio alike.
        let ceiling = match (rate, kind.as_str()) {
            (None, "Q1" | "Q2" | "Q3") => {
                let server = start_ceiling(&database);
                let target = Target::Ceiling {
                    base: Arc::new(format!("http://{}", server.address)),
                };
                Some((server, target))
            }
            _ => None,
        };
        let rounds = if ceiling.is_some() { TURNS } else { 1 };
        let slice = duration / rounds;
        drive(&target, ids.clone(), &kind, options.connections, warmup).await;
        reset_peak_rss(server.child.id());
        if let Some((ceiling, target)) = &ceiling {
            drive(target, ids.clone(), &kind, options.connections, warmup).await;
            reset_peak_rss(ceiling.child.id());
        }
        let before = sql_statements(&server.address).await;
        let mut outcome = Outcome::default();
        let mut theirs = Outcome::default();
        for _ in 0..rounds {
            let ours = match rate {
                Some(rate) => {
                    drive_at_rate(
                        &target,
                        ids.clone(),
                        &kind,
                        rate,
                        options.connections,
                        slice,
                    )
                    .await
                }
                None => drive(&target, ids.clone(), &kind, options.connections, slice).await,
            };
            outcome = outcome.merge(ours);
            if let Some((_, target)) = &ceiling {
                let turn = drive(target, ids.clone(), &kind, options.connections, slice).await;
                theirs = theirs.merge(turn);
            }
        }
        let after = sql_statements(&server.address).await;
        let rss = peak_rss_kib(server.child.id());
        let statements = (after - before) / outcome.requests.max(1) as f64;
        if rate.is_none() && (kind == "Q2" || kind == "Q3") {
            let query = if kind == "Q2" { Q2 } else { Q3 };
            let five = statements_at(&client, &server, &token, query, &ids, 5).await;
            let fifty = statements_at(&client, &server, &token, query, &ids, 50).await;
            page_checks.push(format!(
                "{kind}: {five:.2} SQL statements per request at first: 5, {fifty:.2} at first: 50"
            ));
        }
        drop(server);
        let ceiling = ceiling.map(|(server, _)| (theirs, peak_rss_kib(server.child.id())));
        let note = match &ceiling {
            Some((c, _)) => format!(
                "{:.0}% of ceiling",
                100.0 * rate_of(&outcome) / rate_of(c).max(f64::MIN_POSITIVE)
            ),
            None => String::new(),
        };
        let connections = match rate {
            Some(rate) => format!("{rate}/s"),
            None => options.connections.to_string(),
        };
        print_row(Row {
            name: scenario,
            connections: connections.clone(),
            outcome: &outcome,
            statements: Some(statements),
            rss_kib: Some(rss),
            note,
        });
        if let Some((c, rss)) = &ceiling {
            print_row(Row {
                name: &format!("{kind} ceiling"),
                connections,
                outcome: c,
                statements: None,
                rss_kib: Some(*rss),
                note: String::new(),
            });
        }
    }
    println!();
    for check in page_checks {
        println!("{check}");
    }
    let best = startups.iter().min().copied().unwrap_or_default();
    println!(
        "start-up to ready (migrated database): {:.0} ms (best of {})",
        best.as_secs_f64() * 1000.0,
        startups.len()
    );
}
