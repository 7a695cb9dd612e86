//! The typed TypeScript client of `examples/typescript-client` against a live server: its
//! operations are generated from `schema.graphql` and type-checked (`npm run check`: codegen,
//! `tsc --strict`, build), then `node dist/main.js` signs up, pages through a category, orders
//! the cheapest product in stock, follows the order's status over WebSocket while the admin
//! marks it paid and the customer cancels it, and finds it in `me`. The script checks every
//! step itself and exits non-zero on any mismatch; the test also checks the order it left.
//!
//! Without `node` and `npm` on the PATH, or without the example's `node_modules` (`npm ci` in
//! its directory installs them), the test says it was skipped and passes, except in CI
//! ([`tests::in_ci`]), where that is a failure (.ci/run installs them).

use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};
use tests::{Backend, Kind, gid};

/// Time limit of `npm run check` (codegen and two compiler runs; slow on a cold, busy machine).
const CHECK_LIMIT: Duration = Duration::from_secs(300);
/// Time limit of the client's run (it limits each of its own waits to 10 s).
const RUN_LIMIT: Duration = Duration::from_secs(120);

const CATEGORY: &str = "ts-client";

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/typescript-client")
}

/// `program` on the PATH.
fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Why the test cannot run here, if it cannot.
fn missing(dir: &Path) -> Option<String> {
    let tools: Vec<&str> = ["node", "npm"]
        .into_iter()
        .filter(|tool| on_path(tool).is_none())
        .collect();
    if !tools.is_empty() {
        return Some(format!("{} not found on the PATH", tools.join(" and ")));
    }
    if !dir.join("node_modules").is_dir() {
        return Some("examples/typescript-client has no node_modules (run `npm ci` there)".into());
    }
    None
}

/// Runs `command` in its own process group, killing the group after `limit`.
async fn run(what: &str, mut command: tokio::process::Command, limit: Duration) -> Output {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("NPM_CONFIG_UPDATE_NOTIFIER", "false")
        .env("NO_COLOR", "1")
        .process_group(0)
        .kill_on_drop(true);
    let started = Instant::now();
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("{what} did not start: {e}"));
    let group = child.id();
    match tokio::time::timeout(limit, child.wait_with_output()).await {
        Ok(output) => {
            let output = output.unwrap_or_else(|e| panic!("{what}: {e}"));
            eprintln!("{what}: {:.1} s", started.elapsed().as_secs_f64());
            output
        }
        Err(_) => {
            // The child itself dies with the dropped future; its children (npm runs node) with
            // the group.
            if let Some(group) = group {
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", "--", &format!("-{group}")])
                    .status();
            }
            panic!("{what} took more than {} s", limit.as_secs());
        }
    }
}

/// Panics with both outputs unless `output` is a success.
fn assert_success(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_client_runs_against_the_server() {
    let dir = example_dir();
    if let Some(reason) = missing(&dir) {
        assert!(
            !tests::in_ci(),
            "CI is set but the TypeScript client cannot run: {reason} (.ci/run runs `npm ci`)"
        );
        eprintln!("SKIPPED: typescript client test: {reason}");
        return;
    }

    let app = tests::spawn_app(Backend::Sqlite).await;
    // Listed (cheapest first, 2 a page): sold out, cheap, the two mid (tied, by id), dear.
    // Not listed: one over the price limit, one cheaper in another category.
    let sold_out = app.create_product("ts-sold-out", CATEGORY, 100, 0).await;
    let cheap = app.create_product("ts-cheap", CATEGORY, 250, 3).await;
    app.create_product("ts-mid-a", CATEGORY, 900, 10).await;
    app.create_product("ts-mid-b", CATEGORY, 900, 10).await;
    app.create_product("ts-dear", CATEGORY, 5_000, 1).await;
    app.create_product("ts-pricey", CATEGORY, 150_000, 5).await;
    app.create_product("ts-elsewhere", "other", 50, 100).await;

    let mut check = tokio::process::Command::new("npm");
    check.args(["run", "--silent", "check"]).current_dir(&dir);
    let output = run("npm run check", check, CHECK_LIMIT).await;
    assert_success("npm run check (codegen, tsc --strict, build)", &output);

    let mut client = tokio::process::Command::new("node");
    client
        .arg("dist/main.js")
        .current_dir(&dir)
        .env_remove("SHOPGRAPH_TOKEN")
        .env("SHOPGRAPH_URL", app.url("/graphql"))
        .env("SHOPGRAPH_ADMIN_TOKEN", &app.admin_token)
        .env("SHOPGRAPH_CATEGORY", CATEGORY)
        .env("SHOPGRAPH_MAX_PRICE_CENTS", "100000")
        .env("SHOPGRAPH_PAGE_SIZE", "2")
        .env("SHOPGRAPH_TIMEOUT_MS", "10000");
    let output = run("node dist/main.js", client, RUN_LIMIT).await;
    assert_success("node dist/main.js", &output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "5 products in 3 pages",
        "SKU-ts-cheap",
        "PENDING → PAID → CANCELLED",
    ] {
        assert!(
            stdout.contains(expected),
            "the summary lacks {expected:?}:\n{stdout}"
        );
    }

    // What the client left: one cancelled order of the cheap product, its stock given back.
    let data = app
        .data(
            r#"{ orders(first: 10) { nodes { status customer { name } items { productId quantity } } }
                 products(filter: { slug: { in: ["ts-cheap", "ts-sold-out"] } }) { nodes { id stock } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["orders"]["nodes"],
        json!([{
            "status": "CANCELLED",
            "customer": { "name": "TypeScript Client" },
            "items": [{ "productId": gid(Kind::Product, cheap), "quantity": 1 }],
        }]),
        "{data:#}"
    );
    // Listed by id: the sold-out product was created first.
    assert_eq!(
        data["products"]["nodes"],
        json!([
            { "id": gid(Kind::Product, sold_out), "stock": 0 },
            { "id": gid(Kind::Product, cheap), "stock": 3 },
        ]),
        "{data:#}"
    );
}
