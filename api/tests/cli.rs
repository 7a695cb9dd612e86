//! The `shopgraph` binary's subcommands, run as a user would run them.

// A failed step here is a failed test or benchmark run: panicking with its message is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

fn shopgraph(data_dir: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_shopgraph"))
        .args(args)
        .env("SHOPGRAPH_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .env("SHOPGRAPH_LOG", "warn")
        .output()
        .expect("shopgraph runs");
    assert!(
        output.status.success(),
        "shopgraph {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn migrate_seed_and_schema_commands() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested/data");

    // The data directory is created on demand.
    let status = stdout(&shopgraph(&data, &["migrate", "status"]));
    assert!(status.lines().all(|l| l.starts_with("pending")), "{status}");
    shopgraph(&data, &["migrate", "up"]);
    assert!(data.join("shopgraph.db").exists());
    let status = stdout(&shopgraph(&data, &["migrate", "status"]));
    assert!(
        status.lines().count() >= 4 && status.lines().all(|l| l.starts_with("applied")),
        "{status}"
    );

    shopgraph(&data, &["migrate", "down", "--steps", "2"]);
    let status = stdout(&shopgraph(&data, &["migrate", "status"]));
    assert_eq!(
        status.lines().filter(|l| l.starts_with("pending")).count(),
        2,
        "{status}"
    );
    shopgraph(&data, &["migrate", "fresh"]);
    let status = stdout(&shopgraph(&data, &["migrate", "status"]));
    assert!(status.lines().all(|l| l.starts_with("applied")), "{status}");

    // Seeding twice is the same as seeding once.
    shopgraph(&data, &["seed"]);
    shopgraph(&data, &["seed"]);

    let sdl = stdout(&shopgraph(&data, &["schema"]));
    assert!(sdl.contains("type Query"));
    let committed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql"))
            .unwrap();
    assert_eq!(
        sdl, committed,
        "schema.graphql is what `shopgraph schema` prints"
    );
}

#[test]
fn check_and_backup_commands() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    shopgraph(&data, &["seed"]);

    let report = stdout(&shopgraph(&data, &["check", "--full"]));
    for line in [
        "integrity_check",
        "foreign_key_check",
        "journal_mode",
        "migrations",
        "disk_space",
    ] {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with("ok") && l.contains(line)),
            "{line}: {report}"
        );
    }
    // A database readable by others is worth a warning (but not a failure).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            data.join("shopgraph.db"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let report = stdout(&shopgraph(&data, &["check"]));
        assert!(
            report
                .lines()
                .any(|l| l.starts_with("WARN") && l.contains("db_permissions")),
            "{report}"
        );
    }

    let snapshot = stdout(&shopgraph(&data, &["backup", "create"]))
        .trim()
        .to_owned();
    assert!(
        snapshot.ends_with(".db") && Path::new(&snapshot).starts_with(data.join("backups")),
        "{snapshot}"
    );
    let json = stdout(&shopgraph(&data, &["backup", "create", "--format", "json"]))
        .trim()
        .to_owned();
    let listed = stdout(&shopgraph(&data, &["backup", "list"]));
    assert_eq!(listed.lines().count(), 2, "{listed}");
    for file in [&snapshot, &json] {
        let verified = stdout(&shopgraph(&data, &["backup", "verify", file]));
        assert!(
            verified.contains(": ok") && verified.contains("orders"),
            "{verified}"
        );
    }
    shopgraph(&data, &["backup", "restore", &snapshot]);
    shopgraph(&data, &["backup", "restore", &json]);
    shopgraph(&data, &["backup", "prune", "--keep", "1"]);
    assert_eq!(
        stdout(&shopgraph(&data, &["backup", "list"]))
            .lines()
            .count(),
        1
    );
}

/// Starts `shopgraph serve` on a free port; returns the child and its address.
fn start_server(data: &Path) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_shopgraph"))
        .args(["--port", "0", "--log-format", "json", "--log", "info"])
        .env("SHOPGRAPH_DATA_DIR", data)
        .env("SHOPGRAPH_SEED_DEMO", "false")
        .env_remove("DATABASE_URL")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("server starts");
    let stdout = child.stderr.take().expect("stderr");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("server logs until ready")
            .expect("log line");
        let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if let Some(address) = event["fields"]["address"].as_str() {
            break address.to_owned();
        }
    };
    // Keep draining the logs so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, address)
}

#[test]
fn healthcheck_and_graceful_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut child, address) = start_server(&data);
    let port = address.rsplit(':').next().unwrap().to_owned();
    let healthy = shopgraph(&data, &["healthcheck", "--port", &port]);
    assert_eq!(stdout(&healthy).trim(), "ready");

    // Ten sign-ups (argon2 each, run one after another) are in flight when SIGTERM arrives;
    // they still complete.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = format!("http://{address}/graphql");
    let query = (0..10)
        .map(|i| format!("u{i}: signup(email: \"u{i}@example.com\", name: \"U\", password: \"long enough\") {{ token }}"))
        .collect::<Vec<_>>()
        .join(" ");
    let request = runtime.spawn(async move {
        reqwest::Client::new()
            .post(url)
            .json(&serde_json::json!({ "query": format!("mutation {{ {query} }}") }))
            .send()
            .await
            .expect("answered")
            .json::<serde_json::Value>()
            .await
            .expect("JSON")
    });
    std::thread::sleep(std::time::Duration::from_millis(60));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let body = runtime.block_on(request).unwrap();
    assert!(
        body.get("errors").is_none(),
        "the in-flight request completed: {body}"
    );
    assert!(body["data"]["u9"]["token"].is_string());
    let status = child.wait().unwrap();
    assert!(status.success(), "exit 0 after SIGTERM: {status:?}");
    // The WAL was folded into the database file.
    let wal = data.join("shopgraph.db-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
        "WAL checkpointed"
    );
    // Nobody answers any more.
    let output = Command::new(env!("CARGO_BIN_EXE_shopgraph"))
        .args(["healthcheck", "--port", &port])
        .output()
        .unwrap();
    assert!(!output.status.success());
}
