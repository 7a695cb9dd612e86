//! Backups and restores, safe migrations.

use serde_json::{Value, json};
use service::ops::backup::{self, Format};
use std::sync::Arc;
use tests::{Backend, Kind, TestApp, both_backends, db_id, gid, spawn_app};

both_backends!(
    backup_under_concurrent_writers_restores_consistently,
    restores_refuse_damage_and_keep_ids_fresh,
    backups_over_the_api
);

/// Two customers, a product, a few orders and posts.
async fn some_data(app: &TestApp) -> i32 {
    let (ada, ada_token) = app.signup("ada@example.com", "Ada").await;
    app.create_post(&ada, "hello", true).await;
    let mug = app.create_product("mug", "kitchen", 1_250, 1_000).await;
    for quantity in 1..=3 {
        app.graphql_as(
            Some(&ada_token),
            "mutation($p: ID!, $q: Int!) { createOrder(input: { items: [{ productId: $p, quantity: $q }] }) { id } }",
            json!({ "p": gid(Kind::Product, mug), "q": quantity }),
        )
        .await;
    }
    mug
}

async fn backup_under_concurrent_writers_restores_consistently(app: TestApp) {
    let app = Arc::new(app);
    let (_, token) = app.signup("buyer@example.com", "Buyer").await;
    let lamp = app.create_product("lamp", "home", 1_000, 100_000).await;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..16)
        .map(|_| {
            let (app, token, stop) = (app.clone(), token.clone(), stop.clone());
            tokio::spawn(async move {
                let mut placed = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let body = app
                        .graphql_as(
                            Some(&token),
                            "mutation($p: ID!) { createOrder(input: { items: [{ productId: $p, quantity: 2 }] }) { id } }",
                            json!({ "p": gid(Kind::Product, lamp) }),
                        )
                        .await;
                    assert!(body.get("errors").is_none(), "writer failed: {body}");
                    placed += 1;
                }
                placed
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let dir = tempfile::tempdir().unwrap();
    // Meanwhile, the backup is never listed before it is whole (an empty or half-written
    // file under a backup's name is what a scheduled prune or a restore could pick up).
    let writing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let watcher = {
        let (path, writing) = (dir.path().to_owned(), writing.clone());
        tokio::spawn(async move {
            let mut unfinished = Vec::new();
            while writing.load(std::sync::atomic::Ordering::Relaxed) {
                let listed = backup::list(&path).unwrap();
                for file in listed.into_iter().filter(|f| f.bytes == 0) {
                    if !unfinished.contains(&file.name) {
                        unfinished.push(file.name);
                    }
                }
                tokio::task::yield_now().await;
            }
            unfinished
        })
    };
    let file = backup::create(&app.db, dir.path(), Format::native_for(&app.db))
        .await
        .unwrap();
    writing.store(false, std::sync::atomic::Ordering::Relaxed);
    let unfinished = watcher.await.unwrap();
    assert!(
        unfinished.is_empty(),
        "listed while written: {unfinished:?}"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        [file.path.file_name().unwrap()],
        "only the backup remains"
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut total = 0;
    for w in writers {
        total += w.await.unwrap();
    }
    assert!(total > 16, "the writers were busy ({total} orders)");

    // Restore into a fresh database and check the snapshot's moment is whole.
    let restored = spawn_app(app.backend).await;
    backup::restore(&restored.db, &file.path).await.unwrap();
    let data = restored
        .data(
            "query($id: ID!) { product(by: { id: $id }) { stock } orders(first: 100) { totalCount nodes { itemCount totalCents } } }",
            json!({ "id": gid(Kind::Product, lamp) }),
        )
        .await;
    let orders = data["orders"]["totalCount"].as_i64().unwrap();
    assert!(
        orders > 0 && orders < total as i64,
        "a moment in the middle: {orders} of {total}"
    );
    for order in data["orders"]["nodes"].as_array().unwrap() {
        assert_eq!(order["itemCount"], 2, "no order without its items: {order}");
        assert_eq!(order["totalCents"], 2_000);
    }
    assert_eq!(
        data["product"]["stock"].as_i64().unwrap() + 2 * orders,
        100_000,
        "stock matches the orders"
    );
    restored.assert_ledger_consistent().await;
}

async fn restores_refuse_damage_and_keep_ids_fresh(app: TestApp) {
    some_data(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let file = backup::create(&app.db, dir.path(), Format::Json)
        .await
        .unwrap();
    let verified = backup::verify(&file.path).await.unwrap();
    assert!(
        verified
            .tables
            .iter()
            .any(|(t, n)| t == "orders" && *n == 3),
        "{verified:?}"
    );

    // A changed row breaks its table's checksum; a newer schema is refused.
    let text = std::fs::read_to_string(&file.path).unwrap();
    let mut damaged: Value = serde_json::from_str(&text).unwrap();
    damaged["tables"][5]["rows"][0][3] = json!(1);
    let bad = dir.path().join("damaged.json");
    std::fs::write(&bad, damaged.to_string()).unwrap();
    assert!(backup::verify(&bad).await.is_err());
    assert!(backup::restore(&app.db, &bad).await.is_err());
    let mut newer: Value = serde_json::from_str(&text).unwrap();
    newer["schema_version"] = json!("m29991231_000001_from_the_future");
    let future = dir.path().join("future.json");
    std::fs::write(&future, newer.to_string()).unwrap();
    let refused = backup::restore(&app.db, &future)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("newer"), "{refused}");

    // Changes after the backup disappear on restore; new rows get fresh ids.
    let before = backup::export(&app.db).await.unwrap().fingerprint();
    let extra = app.create_user("later@example.com", "Later").await;
    backup::restore(&app.db, &file.path).await.unwrap();
    assert_eq!(backup::export(&app.db).await.unwrap().fingerprint(), before);
    let again = app.create_user("again@example.com", "Again").await;
    assert!(db_id(&again) >= db_id(&extra) - 1, "no id collision");
    let order = app
        .create_order(&gid(Kind::User, 2), &[(some_product(&app).await, 1)])
        .await;
    assert!(
        order > 3,
        "order ids continue after the restored ones: {order}"
    );

    assert_eq!(backup::list(dir.path()).unwrap().len(), 3);
    let removed = backup::prune(dir.path(), 1, None).unwrap();
    assert_eq!(removed.len(), 2);
}

async fn some_product(app: &TestApp) -> i32 {
    let data = app
        .data("{ products(first: 1) { nodes { id } } }", json!({}))
        .await;
    db_id(data["products"]["nodes"][0]["id"].as_str().unwrap())
}

async fn backups_over_the_api(app: TestApp) {
    let (_, customer) = app.signup("ada@example.com", "Ada").await;
    let query = "mutation { createBackup { name format bytes } }";
    let refused = app.graphql_as(Some(&customer), query, json!({})).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let made = app.data(query, json!({})).await;
    let name = made["createBackup"]["name"].as_str().unwrap();
    let expected = if app.backend == Backend::Sqlite {
        "SNAPSHOT"
    } else {
        "JSON"
    };
    assert_eq!(made["createBackup"]["format"], expected);
    assert!(name.starts_with("shopgraph-"));

    let post = |token: Option<String>| {
        let mut request = app.client.post(app.url("/api/admin/backups"));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        request.send()
    };
    // Refusals are coded as GraphQL's are, in the same shape.
    for (token, status, code) in [
        (None, 401, "UNAUTHENTICATED"),
        (Some(customer.clone()), 403, "FORBIDDEN"),
        (Some("not a token".to_owned()), 401, "UNAUTHENTICATED"),
    ] {
        let refused = post(token).await.unwrap();
        assert_eq!(refused.status(), status);
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
        assert!(body["errors"][0]["message"].is_string(), "{body}");
    }
    let created = post(Some(app.admin_token.clone())).await.unwrap();
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.unwrap();
    assert!(body["name"].as_str().unwrap().starts_with("shopgraph-"));
}

/// SQLite → JSON → PostgreSQL → JSON: the same data, table by table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(no_postgres, ignore = "TEST_DATABASE_URL is not set")]
async fn json_round_trip_between_databases() {
    let sqlite = spawn_app(Backend::Sqlite).await;
    some_data(&sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let file = backup::create(&sqlite.db, dir.path(), Format::Json)
        .await
        .unwrap();
    let postgres = spawn_app(Backend::Postgres).await;
    backup::restore(&postgres.db, &file.path).await.unwrap();
    let from_sqlite = backup::export(&sqlite.db).await.unwrap();
    let from_postgres = backup::export(&postgres.db).await.unwrap();
    assert_eq!(from_sqlite.fingerprint(), from_postgres.fingerprint());
    assert_eq!(from_sqlite.tables, from_postgres.tables);
    // And new rows on PostgreSQL continue the ids.
    let id = postgres.create_user("new@example.com", "New").await;
    let max = from_sqlite.tables[0]
        .rows
        .iter()
        .filter_map(|r| r[0].as_i64())
        .max()
        .unwrap();
    assert!(i64::from(db_id(&id)) > max);
}

/// `shopgraph copy`: a SQLite database into an empty PostgreSQL one, verified.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(no_postgres, ignore = "TEST_DATABASE_URL is not set")]
async fn copy_sqlite_into_postgres() {
    use clap::Parser;
    let sqlite = spawn_app(Backend::Sqlite).await;
    some_data(&sqlite).await;
    let (target, name, base) = tests::create_postgres_database().await;
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "shopgraph",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--database-url",
        &sqlite.database_url,
    ];
    let cli = api::Cli::try_parse_from(args).unwrap();
    api::cli::ops::copy(&cli.config, &target)
        .await
        .expect("copied");
    let copied = service::ops::database::connect(&service::ops::database::DbConfig {
        url: target.clone(),
        ..cli.config.db()
    })
    .await
    .unwrap();
    let want = backup::export(&sqlite.db).await.unwrap().fingerprint();
    assert_eq!(
        backup::export(&copied.db).await.unwrap().fingerprint(),
        want
    );
    // A second copy into the now non-empty target is refused and changes nothing.
    assert!(api::cli::ops::copy(&cli.config, &target).await.is_err());
    assert_eq!(
        backup::export(&copied.db).await.unwrap().fingerprint(),
        want
    );
    copied.db.close().await.unwrap();
    tests::drop_postgres_database(&base, &name).await;
}

/// `serve --backup-every … --backup-keep …` takes backups on schedule and keeps only the newest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_keep_the_newest() {
    use clap::Parser;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let cli = api::Cli::try_parse_from([
        "shopgraph",
        "--port",
        "0",
        "--data-dir",
        path,
        "--jwt-secret",
        tests::JWT_SECRET,
    ])
    .unwrap();
    let serve = api::ServeArgs {
        backup_every: Some("150ms".parse().unwrap()),
        backup_keep: 2,
        ..api::ServeArgs::default()
    };
    let app = api::Application::build(&cli.config, &serve).await.unwrap();
    tokio::spawn(app.run_until_stopped());
    let backups = dir.path().join("backups");
    // About six ticks: more backups are taken than kept.
    tokio::time::sleep(std::time::Duration::from_millis(1_000)).await;
    let written = backup::list(&backups).unwrap();
    assert_eq!(
        written.len(),
        2,
        "only the newest two are kept: {written:?}"
    );
    assert!(written.iter().all(|f| f.format == Format::Snapshot));
}
