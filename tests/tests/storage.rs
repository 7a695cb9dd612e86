//! A full storage: writes are refused fast and clearly (STORAGE_FULL, HTTP 507, Retry-After),
//! reads go on, readiness and metrics say so, writes heal by themselves when space returns,
//! and every acknowledged write — and none other — is there after a restart.
//!
//! SQLite's file is capped with `--sqlite-max-size-mib` (its `max_page_count` on every
//! connection of the server), which fails a write exactly as a full disk does; space returns
//! when the test drops a ballast table it put into the file beforehand. Where the machine lets
//! this process mount a small file system (as root), the same happens on a real full disk,
//! with backups and the WAL.

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use tests::{Backend, CREATE_ORDER, TestApp, db_id};

const CREATE_POST: &str = "mutation($input: CreatePostInput!) { createPost(input: $input) { id } }";
const TRANSFER: &str = "mutation($a: ID!, $b: ID!) { transferPoints(fromUserId: $a, toUserId: $b, points: 1) { from { id } } }";

/// A response with its status and `Retry-After`.
struct Answer {
    status: StatusCode,
    retry_after: Option<u64>,
    body: Value,
}

impl Answer {
    fn code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }
}

async fn post(app: &TestApp, query: &str, variables: Value, accept: &str) -> Answer {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .header("accept", accept)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request sent");
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let body = response.json().await.expect("JSON body");
    Answer {
        status,
        retry_after,
        body,
    }
}

/// What the writes of a test were told.
#[derive(Default)]
struct Told {
    posts: BTreeSet<i64>,
    orders: BTreeSet<i64>,
    transfers: u64,
    refused: u64,
}

/// The three kinds of write, as the admin, for `alice` (posts, orders of one `lamp`, 1-point
/// transfers to `bob`).
struct Writes<'a> {
    alice: &'a str,
    bob: &'a str,
    lamp: i32,
    serial: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Post,
    Order,
    Transfer,
}

impl Writes<'_> {
    /// Writes one of `kind`; records what it was told. Returns whether it was refused for
    /// lack of room (any other error fails the test).
    async fn one(&mut self, app: &TestApp, kind: Kind, told: &mut Told) -> bool {
        self.serial += 1;
        // Both media types: the refusal is a 507 either way.
        let accept = if self.serial.is_multiple_of(2) {
            "application/graphql-response+json"
        } else {
            "application/json"
        };
        let (query, variables, field) = match kind {
            Kind::Post => (
                CREATE_POST,
                json!({ "input": { "authorId": self.alice, "title": format!("post {}", self.serial), "content": "x".repeat(9_000), "publish": true } }),
                "createPost",
            ),
            Kind::Order => (
                CREATE_ORDER,
                TestApp::order_input(self.alice, &[(self.lamp, 1)]),
                "createOrder",
            ),
            Kind::Transfer => (
                TRANSFER,
                json!({ "a": self.alice, "b": self.bob }),
                "transferPoints",
            ),
        };
        let answer = post(app, query, variables, accept).await;
        if answer.body.get("errors").is_none() {
            assert_eq!(answer.status, StatusCode::OK);
            let id = || {
                answer.body["data"][field]["id"]
                    .as_str()
                    .map(db_id)
                    .map(i64::from)
                    .expect("id")
            };
            match kind {
                Kind::Post => assert!(told.posts.insert(id())),
                Kind::Order => assert!(told.orders.insert(id())),
                Kind::Transfer => told.transfers += 1,
            }
            return false;
        }
        assert_eq!(
            answer.code(),
            Some("STORAGE_FULL"),
            "{kind:?} failed otherwise: {:#}",
            answer.body
        );
        assert_eq!(answer.status, StatusCode::INSUFFICIENT_STORAGE, "{accept}");
        assert!(answer.retry_after.is_some_and(|s| s > 0), "Retry-After");
        assert!(
            answer.body.get("data").is_none(),
            "a refusal carries no data entry: {:#}",
            answer.body
        );
        assert!(answer.body["errors"][0]["extensions"]["retryAfter"].as_u64() > Some(0));
        told.refused += 1;
        true
    }

    /// Writes every kind in turn until one round is refused in full.
    async fn until_full(&mut self, app: &TestApp, told: &mut Told) {
        for _ in 0..2_000 {
            let mut refused = 0;
            for kind in [Kind::Post, Kind::Order, Kind::Transfer] {
                refused += usize::from(self.one(app, kind, told).await);
            }
            if refused == 3 {
                return;
            }
        }
        panic!("the storage never filled");
    }
}

async fn ready(app: &TestApp) -> (StatusCode, Value) {
    let response = app
        .client
        .get(app.url("/health/ready"))
        .send()
        .await
        .expect("readiness answers");
    let status = response.status();
    (status, response.json().await.expect("JSON"))
}

async fn metric(app: &TestApp, name: &str) -> f64 {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("text");
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in the metrics"))
}

/// Ids of `table`'s rows for `column = id`, read on a connection of the test's own.
async fn ids(db: &DatabaseConnection, table: &str, column: &str, id: &str) -> BTreeSet<i64> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT id FROM {table} WHERE {column} = {id}"),
        ))
        .await
        .expect("query");
    rows.iter()
        .map(|r| r.try_get_by_index::<i64>(0).expect("id"))
        .collect()
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("a number")
}

/// Customers, a product and points for [`Writes`]: (alice, bob, lamp, lamp's stock).
async fn shop(app: &TestApp) -> (String, String, i32, i64) {
    let alice = app.create_user("alice@example.com", "Alice").await;
    let bob = app.create_user("bob@example.com", "Bob").await;
    let stock = 100_000;
    let lamp = app.create_product("lamp", "home", 100, stock as i32).await;
    app.data(
        "mutation($id: ID!) { adjustPoints(userId: $id, points: 100000) { id } }",
        json!({ "id": alice }),
    )
    .await;
    (alice, bob, lamp, stock)
}

/// After a restart: exactly the acknowledged posts and orders, stock taken once per order,
/// each acknowledged transfer credited once, every balance equal to its ledger.
async fn assert_exactly_what_was_told(
    app: &TestApp,
    own: &DatabaseConnection,
    shop: &(String, String, i32, i64),
    told: &Told,
) {
    let (alice, bob, lamp, stock) = shop;
    assert_eq!(
        ids(own, "posts", "author_id", &db_id(alice).to_string()).await,
        told.posts,
        "posts"
    );
    assert_eq!(
        ids(own, "orders", "customer_id", &db_id(alice).to_string()).await,
        told.orders,
        "orders"
    );
    let left = scalar(
        own,
        &format!("SELECT stock FROM products WHERE id = {lamp}"),
    )
    .await;
    assert_eq!(left, stock - told.orders.len() as i64, "stock");
    let items = scalar(
        own,
        &format!("SELECT COUNT(*) FROM order_items WHERE product_id = {lamp}"),
    )
    .await;
    assert_eq!(items, told.orders.len() as i64, "one item per order");
    let received = scalar(
        own,
        &format!("SELECT points_balance FROM users WHERE id = {}", db_id(bob)),
    )
    .await;
    assert_eq!(received, told.transfers as i64, "transfers");
    app.assert_ledger_consistent().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_storage_refuses_writes_keeps_reads_and_heals() {
    let mut app = tests::spawn_app_with(
        Backend::Sqlite,
        &["--max-complexity", "1000000", "--sqlite-max-size-mib", "2"],
    )
    .await;
    let shop = shop(&app).await;
    let (alice, bob, lamp, _) = &shop;
    // The test's own connection, outside the cap: the ballast it frees later.
    let own = Database::connect(&app.database_url)
        .await
        .expect("own connection");
    own.execute_unprepared(
        "CREATE TABLE ballast(b BLOB);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
         INSERT INTO ballast SELECT zeroblob(8000) FROM n",
    )
    .await
    .expect("ballast");

    let mut writes = Writes {
        alice,
        bob,
        lamp: *lamp,
        serial: 0,
    };
    let mut told = Told::default();
    writes.until_full(&app, &mut told).await;
    assert!(!told.posts.is_empty() && !told.orders.is_empty() && told.transfers > 0);

    // Refused while full, each kind, again and again; and fast (nothing waits on the disk).
    let started = std::time::Instant::now();
    for kind in [
        Kind::Post,
        Kind::Order,
        Kind::Transfer,
        Kind::Post,
        Kind::Order,
    ] {
        assert!(writes.one(&app, kind, &mut told).await, "{kind:?} refused");
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    // Reads go on.
    let read = app
        .data(
            "query($id: ID!) { user(id: $id) { name posts(first: 5) { totalCount } orders(first: 5) { totalCount } } products(first: 5) { nodes { stock } } }",
            json!({ "id": alice }),
        )
        .await;
    assert_eq!(
        read["user"]["orders"]["totalCount"].as_u64(),
        Some(told.orders.len() as u64)
    );
    // Readiness says writes cannot commit, and why; the metrics too.
    let (status, body) = ready(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["writes"], "storage_full", "{body}");
    assert_eq!(body["database"], "ok");
    assert!(body["reason"].as_str().is_some_and(|r| r.contains("full")));
    assert_eq!(metric(&app, "shopgraph_storage_full").await, 1.0);
    assert!(metric(&app, "shopgraph_storage_refused_writes_total").await >= told.refused as f64);

    // Space returns: no restart, readiness recovers by itself and writes commit again.
    own.execute_unprepared("DROP TABLE ballast")
        .await
        .expect("ballast dropped");
    let (status, body) = ready(&app).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["writes"], "ok");
    for kind in [Kind::Post, Kind::Order, Kind::Transfer] {
        assert!(
            !writes.one(&app, kind, &mut told).await,
            "{kind:?} commits again"
        );
    }
    assert_eq!(metric(&app, "shopgraph_storage_full").await, 0.0);

    // Every acknowledged write survives a restart, and nothing else was written.
    app.restart(&["--max-complexity", "1000000"]).await;
    assert_exactly_what_was_told(&app, &own, &shop, &told).await;
    own.close().await.ok();
}

/// A tmpfs of its own, as small as a test needs; unmounted when dropped.
struct SmallDisk {
    point: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts `mib` MiB, or says why it cannot (not root, no mount capability).
    fn mount(mib: u32) -> Result<Self, String> {
        let point = tempfile::tempdir().map_err(|e| e.to_string())?;
        let done = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={mib}m,mode=0700"),
                "tmpfs",
            ])
            .arg(point.path())
            .output()
            .map_err(|e| e.to_string())?;
        if !done.status.success() {
            return Err(String::from_utf8_lossy(&done.stderr).trim().to_owned());
        }
        Ok(Self { point })
    }

    fn grow(&self, mib: u32) {
        let done = std::process::Command::new("mount")
            .args(["-o", &format!("remount,size={mib}m")])
            .arg(self.point.path())
            .status()
            .expect("mount runs");
        assert!(done.success(), "the file system grows");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.point.path())
            .status();
    }
}

/// Files in the backups directory, hidden ones (a backup being written) included.
fn backup_files(app: &TestApp) -> Vec<String> {
    match std::fs::read_dir(app.data_dir().join("backups")) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

async fn backup(app: &TestApp) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.url("/api/admin/backups"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("backup request");
    let status = response.status();
    (status, response.json().await.expect("JSON"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not_root, ignore = "mounting a small file system needs root")]
async fn a_full_disk_keeps_every_acknowledged_write_and_no_partial_backup() {
    let disk = match SmallDisk::mount(6) {
        Ok(disk) => disk,
        Err(why) if std::env::var("CI").is_err() => {
            eprintln!("skipped: cannot mount a small file system here ({why})");
            return;
        }
        Err(why) => panic!("CI runs this test as root; mounting failed: {why}"),
    };
    let data = tempfile::tempdir_in(disk.point.path()).expect("data dir");
    let mut app =
        tests::spawn_app_in(Backend::Sqlite, data, &["--max-complexity", "1000000"]).await;
    let shop = shop(&app).await;
    let (alice, bob, lamp, _) = &shop;
    let mut writes = Writes {
        alice,
        bob,
        lamp: *lamp,
        serial: 0,
    };
    let mut told = Told::default();
    writes.until_full(&app, &mut told).await;

    // A backup that runs out of space says so and leaves nothing behind.
    let (status, body) = backup(&app).await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "STORAGE_FULL",
        "{body}"
    );
    assert_eq!(
        backup_files(&app),
        Vec::<String>::new(),
        "no partial backup"
    );
    assert_eq!(ready(&app).await.0, StatusCode::SERVICE_UNAVAILABLE);

    // The disk grows: readiness recovers, the WAL is checkpointed and truncated, writes and
    // backups succeed, all without a restart.
    disk.grow(30);
    let (status, body) = ready(&app).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let wal = app.data_dir().join("shopgraph.db-wal");
    let mut truncated = false;
    for _ in 0..50 {
        if std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) == 0 {
            truncated = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(truncated, "the WAL is truncated once space allows");
    for kind in [Kind::Post, Kind::Order, Kind::Transfer] {
        assert!(
            !writes.one(&app, kind, &mut told).await,
            "{kind:?} commits again"
        );
    }
    let (status, body) = backup(&app).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    app.restart(&["--max-complexity", "1000000"]).await;
    let own = Database::connect(&app.database_url)
        .await
        .expect("own connection");
    assert_exactly_what_was_told(&app, &own, &shop, &told).await;
    own.close().await.ok();
    drop(app);
}
