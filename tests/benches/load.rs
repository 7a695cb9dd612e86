//! The load benchmark: `cargo bench -p tests --bench load [-- options]`.
//!
//! Seeds the standard data once (cached by seed and size under `target/bench-data`), starts the
//! release `shopgraph` binary as a separate process for each scenario, drives it over HTTP with
//! N concurrent keep-alive connections for a fixed time after a warm-up, and prints one table:
//! requests/s, p50/p95/p99 latency, errors, SQL statements per request, and the server's peak
//! RSS. Start-up time to ready (on the migrated database) is printed too.
//!
//! Options: `--scenario Q1,Q2,Q3,W1,MIX` (default all), `--connections 64`, `--seconds 10`,
//! `--warmup 2`, `--database-url URL` (default: a cached SQLite file), `--users`, `--orders`.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
            .unwrap_or_else(|| "Q1,Q2,Q3,W1,MIX".into())
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

/// Builds the release binary (cargo bench does not build other packages' binaries).
fn build_release() -> PathBuf {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "-p", "api", "--bin", "shopgraph"])
        .current_dir(workspace())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "release build failed");
    target_dir().join("release").join("shopgraph")
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
        .env("SHOPGRAPH_DB_MAX_CONNECTIONS", "8")
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
        if let Ok(event) = serde_json::from_str::<Value>(&line) {
            if let Some(address) = event["fields"]["address"].as_str() {
                break address.to_owned();
            }
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
    let mut request = client
        .post(url)
        .json(&json!({ "query": query, "variables": variables }));
    if !token.is_empty() {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status()));
    }
    let body: Value = response.json().await.map_err(|e| e.to_string())?;
    if body.get("errors").is_some() {
        return Err(body["errors"][0]["message"].to_string());
    }
    Ok(body)
}

async fn sql_statements(client: &reqwest::Client, address: &str) -> f64 {
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
        let body = gql(client, url, token, "query($a: String) { users(first: 100, after: $a) { pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }", json!({ "a": after }))
            .await
            .expect("list users");
        let page = &body["data"]["users"];
        for edge in page["edges"].as_array().unwrap() {
            users.push(edge["node"]["id"].as_str().unwrap().parse().unwrap());
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
        let body = gql(client, url, token, "query($a: String) { products(first: 100, after: $a, filter: { stock: { gt: 1000 } }) { pageInfo { hasNextPage endCursor } nodes { id } } }", json!({ "a": after }))
            .await
            .expect("list products");
        let page = &body["data"]["products"];
        products.extend(
            page["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].as_str().unwrap().parse::<i64>().unwrap()),
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
const Q2: &str = "query Q2($after: String) { users(first: 50, after: $after) { nodes { id name posts(first: 10) { nodes { id title author { id name } } } } } }";
const Q3: &str = "query Q3 { orders(first: 50, filter: { status: { eq: PAID } }) { nodes { id totalCents customer { name } items { quantity unitPriceCents product { name } } } } }";
const W1: &str = "mutation W1($input: CreateOrderInput!) { createOrder(input: $input) { id } }";

fn request(kind: &str, ids: &Ids, rng: &mut StdRng) -> (&'static str, Value) {
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
    match kind {
        "Q1" => (
            Q1,
            json!({ "id": ids.users[rng.gen_range(0..ids.users.len())].to_string() }),
        ),
        "Q2" => (
            Q2,
            json!({ "after": ids.cursors[rng.gen_range(0..ids.cursors.len().saturating_sub(50).max(1))] }),
        ),
        "Q3" => (Q3, json!({})),
        _ => {
            let lines = rng.gen_range(1..=5);
            let mut items = Vec::new();
            for _ in 0..lines {
                let product = ids.products[rng.gen_range(0..ids.products.len())];
                if !items
                    .iter()
                    .any(|i: &Value| i["productId"] == product.to_string())
                {
                    items.push(json!({ "productId": product.to_string(), "quantity": 1 }));
                }
            }
            let customer = ids.users[rng.gen_range(0..ids.users.len())];
            (
                W1,
                json!({ "input": { "customerId": customer.to_string(), "items": items } }),
            )
        }
    }
}

struct Outcome {
    requests: usize,
    errors: usize,
    first_error: Option<String>,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

async fn drive(
    url: Arc<String>,
    token: Arc<String>,
    ids: Arc<Ids>,
    kind: &str,
    connections: usize,
    duration: Duration,
) -> Outcome {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|c| {
            let (client, url, token, ids, kind) = (
                client.clone(),
                url.clone(),
                token.clone(),
                ids.clone(),
                kind.to_owned(),
            );
            tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(c as u64);
                let mut latencies = Vec::new();
                let mut errors = 0;
                let mut first_error = None;
                while started.elapsed() < duration {
                    let (query, variables) = request(&kind, &ids, &mut rng);
                    let t = Instant::now();
                    match gql(&client, &url, &token, query, variables).await {
                        Ok(_) => latencies.push(t.elapsed()),
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
    let mut outcome = Outcome {
        requests: 0,
        errors: 0,
        first_error: None,
        latencies: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for task in tasks {
        let (latencies, errors, first_error) = task.await.unwrap();
        outcome.requests += latencies.len() + errors;
        outcome.errors += errors;
        outcome.latencies.extend(latencies);
        if outcome.first_error.is_none() {
            outcome.first_error = first_error;
        }
    }
    outcome.elapsed = started.elapsed();
    outcome.latencies.sort();
    outcome
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let options = options();
    let binary = build_release();
    let name = format!("seed42-{}u-10p-1000pr-{}o", options.users, options.orders);
    let data_dir = target_dir().join("bench-data").join(&name);
    let seeded_marker = data_dir.join(".seeded");
    if options.database_url.is_some() || !seeded_marker.exists() {
        std::fs::create_dir_all(&data_dir).unwrap();
        let started = Instant::now();
        shopgraph(&binary, &data_dir, &options.database_url, &["seed"]);
        let users = options.users.to_string();
        let orders = options.orders.to_string();
        shopgraph(
            &binary,
            &data_dir,
            &options.database_url,
            &[
                "seed",
                "--users",
                &users,
                "--posts-per-user",
                "10",
                "--products",
                "1000",
                "--orders",
                &orders,
                "--seed",
                "42",
            ],
        );
        eprintln!("seeded {name} in {:.1} s", started.elapsed().as_secs_f64());
        if options.database_url.is_none() {
            std::fs::write(&seeded_marker, "").unwrap();
        }
    }

    println!(
        "\n{:<5} {:>6} {:>10} {:>9} {:>9} {:>9} {:>7} {:>9} {:>10}",
        "scen", "conns", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "SQL/req", "peak RSS"
    );
    let mut startups = Vec::new();
    for scenario in &options.scenarios {
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
        drive(
            url.clone(),
            token.clone(),
            ids.clone(),
            scenario,
            options.connections,
            Duration::from_secs(options.warmup),
        )
        .await;
        let before = sql_statements(&client, &server.address).await;
        let outcome = drive(
            url.clone(),
            token.clone(),
            ids.clone(),
            scenario,
            options.connections,
            Duration::from_secs(options.seconds),
        )
        .await;
        let after = sql_statements(&client, &server.address).await;
        let rss = peak_rss_kib(server.child.id());
        let rps = outcome.requests as f64 / outcome.elapsed.as_secs_f64();
        println!(
            "{:<5} {:>6} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>7} {:>9.2} {:>7} MB",
            scenario,
            options.connections,
            rps,
            percentile(&outcome.latencies, 0.50),
            percentile(&outcome.latencies, 0.95),
            percentile(&outcome.latencies, 0.99),
            outcome.errors,
            (after - before - 1.0).max(0.0) / outcome.requests.max(1) as f64,
            rss / 1024,
        );
        if let Some(error) = outcome.first_error {
            println!("      first error: {error}");
        }
    }
    let best = startups.iter().min().copied().unwrap_or_default();
    println!(
        "\nstart-up to ready (migrated database): {:.0} ms (best of {})",
        best.as_secs_f64() * 1000.0,
        startups.len()
    );
}
