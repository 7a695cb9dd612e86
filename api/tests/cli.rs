//! The `shopgraph` binary's subcommands, run as a user would run them.

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
    assert!(status.lines().count() >= 4 && status.lines().all(|l| l.starts_with("applied")), "{status}");

    shopgraph(&data, &["migrate", "down", "--steps", "2"]);
    let status = stdout(&shopgraph(&data, &["migrate", "status"]));
    assert_eq!(status.lines().filter(|l| l.starts_with("pending")).count(), 2, "{status}");
    shopgraph(&data, &["migrate", "fresh"]);
    let status = stdout(&shopgraph(&data, &["migrate", "status"]));
    assert!(status.lines().all(|l| l.starts_with("applied")), "{status}");

    // Seeding twice is the same as seeding once.
    shopgraph(&data, &["seed"]);
    shopgraph(&data, &["seed"]);

    let sdl = stdout(&shopgraph(&data, &["schema"]));
    assert!(sdl.contains("type Query"));
    let committed = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql")).unwrap();
    assert_eq!(sdl, committed, "schema.graphql is what `shopgraph schema` prints");
}
