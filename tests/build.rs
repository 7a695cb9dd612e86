//! Marks the PostgreSQL variants of the end-to-end tests as ignored (with the reason shown by
//! `cargo test`) when `TEST_DATABASE_URL` is not set, and refuses to build them that way in CI;
//! marks the tests that mount a file system as ignored when not built as root.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(no_postgres)");
    println!("cargo::rustc-check-cfg=cfg(not_root)");
    // Tests that mount a small file system (a full disk for real) need root.
    let root = std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
    });
    if !root {
        println!("cargo::rustc-cfg=not_root");
    }
    println!("cargo::rerun-if-env-changed=TEST_DATABASE_URL");
    println!("cargo::rerun-if-env-changed=CI");
    let has_url = std::env::var("TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty());
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    if !has_url {
        if in_ci {
            panic!("CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests must run in CI");
        }
        println!("cargo::rustc-cfg=no_postgres");
        println!(
            "cargo::warning=TEST_DATABASE_URL is not set: PostgreSQL end-to-end tests are skipped (shown as ignored)"
        );
    }
}
