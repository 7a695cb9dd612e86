//! A database that drops its connections under load (PostgreSQL's `pg_terminate_backend`, as
//! in a restart or a failover): requests in flight are told UNAVAILABLE with HTTP 503 and
//! `Retry-After`, never INTERNAL; the pool reconnects by itself; every acknowledged order is
//! there, nothing is there that was refused, and an order whose result could not be read back
//! is reported applied, never refused.

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tests::{Backend, CREATE_ORDER, TestApp, db_id};

const CREATE_ORDER_WITH_CUSTOMER: &str = "mutation($input: CreateOrderInput!) {
    createOrder(input: $input) { id customer { id name } items { product { name } } }
}";

/// How one request ended.
#[derive(Debug)]
enum Outcome {
    Placed(i64),
    /// Committed, but reading the mutation's result back met a dropped connection.
    Applied,
    Read,
    /// UNAVAILABLE; `unknown` when the write may have happened.
    Unavailable {
        unknown: bool,
    },
    Other(StatusCode, Value),
}

async fn send(app: &TestApp, query: &str, variables: Value, field: &str) -> Outcome {
    let sent = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request sent");
    let status = sent.status();
    let retry_after = sent.headers().get("retry-after").cloned();
    let body: Value = sent.json().await.expect("JSON body");
    let error = &body["errors"][0];
    let only_unavailable = body["errors"]
        .as_array()
        .is_none_or(|all| all.iter().all(|e| e["extensions"]["code"] == "UNAVAILABLE"));
    if !only_unavailable {
        return Outcome::Other(status, body);
    }
    let applied = body["errors"]
        .as_array()
        .is_some_and(|all| all.iter().any(|e| e["extensions"]["outcome"] == "APPLIED"));
    if applied {
        // Below the mutation's field only, and answered as an execution error, not a refusal.
        let below = body["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["extensions"]["outcome"] == "APPLIED")
            .all(|e| e["path"].as_array().is_some_and(|p| p.len() > 1));
        return match (status, below, body.get("data")) {
            (StatusCode::OK, true, Some(_)) => Outcome::Applied,
            _ => Outcome::Other(status, body),
        };
    }
    if let Some(id) = body["data"][field]["id"].as_str() {
        // Placed; a field read after the commit may still have met a dropped connection.
        return Outcome::Placed(i64::from(db_id(id)));
    }
    if error.is_null() {
        return Outcome::Read;
    }
    if body["data"].is_object() {
        // Some fields answered: a partial result keeps its 200, as GraphQL-over-HTTP asks.
        return match status {
            StatusCode::OK => Outcome::Unavailable { unknown: false },
            _ => Outcome::Other(status, body),
        };
    }
    let refused = status == StatusCode::SERVICE_UNAVAILABLE
        && retry_after.is_some()
        && body.get("data").is_none()
        && error["extensions"]["retryAfter"].as_u64() >= Some(1);
    if refused {
        return Outcome::Unavailable {
            unknown: error["extensions"]["outcome"] == "UNKNOWN",
        };
    }
    Outcome::Other(status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(no_postgres, ignore = "TEST_DATABASE_URL is not set")]
async fn terminated_connections_answer_unavailable_and_the_pool_heals() {
    let app = Arc::new(tests::spawn_app(Backend::Postgres).await);
    let name = app
        .database_url
        .rsplit('/')
        .next()
        .and_then(|n| n.split('?').next())
        .expect("database name")
        .to_owned();
    let mut customers = Vec::new();
    for i in 0..4 {
        customers.push(
            app.create_user(&format!("c{i}@example.com"), &format!("C{i}"))
                .await,
        );
    }
    let stock = 1_000_000i64;
    let lamp = app.create_product("lamp", "home", 100, stock as i32).await;

    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (app, stop, customer) = (app.clone(), stop.clone(), customers[i % 4].clone());
        tasks.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let outcome = if i % 4 == 3 {
                    send(&app, "{ products(first: 5) { nodes { id stock } } orders(first: 5) { totalCount } }", json!({}), "").await
                } else if i % 4 == 2 {
                    // A result read back after the commit, statements of its own.
                    send(&app, CREATE_ORDER_WITH_CUSTOMER, TestApp::order_input(&customer, &[(lamp, 1)]), "createOrder").await
                } else {
                    send(&app, CREATE_ORDER, TestApp::order_input(&customer, &[(lamp, 1)]), "createOrder").await
                };
                seen.push(outcome);
            }
            seen
        }));
    }
    // Every connection of the server's pool dropped by the database, five times under load.
    let admin = Database::connect(tests::postgres_base_url())
        .await
        .expect("admin connection");
    let mut terminated = 0;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let rows = admin
            .query_all_raw(Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"),
            ))
            .await
            .expect("terminate");
        terminated += rows.len();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    admin.close().await.ok();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.extend(task.await.expect("task"));
    }
    assert!(terminated > 0, "connections were terminated");

    let mut placed = BTreeSet::new();
    let mut unknown = 0;
    let mut unavailable = 0;
    let mut applied = 0;
    for outcome in &outcomes {
        match outcome {
            Outcome::Placed(id) => assert!(placed.insert(*id)),
            Outcome::Applied => applied += 1,
            Outcome::Read => {}
            Outcome::Unavailable { unknown: u } => {
                unavailable += 1;
                unknown += usize::from(*u);
            }
            Outcome::Other(status, body) => {
                panic!("neither an answer nor UNAVAILABLE: {status} {body:#}")
            }
        }
    }
    assert!(unavailable > 0, "some requests met a dropped connection");
    assert!(!placed.is_empty());

    // The pool heals by itself: each dead idle connection fails at most once, then writes
    // succeed in a row.
    let mut in_a_row = 0;
    for _ in 0..30 {
        match send(
            &app,
            CREATE_ORDER,
            TestApp::order_input(&customers[0], &[(lamp, 1)]),
            "createOrder",
        )
        .await
        {
            Outcome::Placed(id) => {
                placed.insert(id);
                in_a_row += 1;
                if in_a_row == 10 {
                    break;
                }
            }
            Outcome::Unavailable { unknown: false } => in_a_row = 0,
            Outcome::Applied => {
                applied += 1;
                in_a_row = 0;
            }
            other => panic!("after the drops: {other:?}"),
        }
    }
    assert_eq!(in_a_row, 10, "writes resume by themselves");

    // Every acknowledged order is there; beyond them, at most those whose commit was cut off.
    let own = Database::connect(&app.database_url)
        .await
        .expect("own connection");
    let rows = own
        .query_all_raw(Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT id FROM orders",
        ))
        .await
        .expect("orders");
    let present: BTreeSet<i64> = rows
        .iter()
        .map(|r| i64::from(r.try_get_by_index::<i32>(0).expect("id")))
        .collect();
    assert!(present.is_superset(&placed), "acknowledged orders are kept");
    assert!(
        present.len() >= placed.len() + applied,
        "orders reported applied are kept"
    );
    assert!(
        present.len() <= placed.len() + applied + unknown,
        "refused orders were not written"
    );
    let left = own
        .query_one_raw(Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            format!("SELECT stock FROM products WHERE id = {lamp}"),
        ))
        .await
        .expect("stock")
        .expect("row")
        .try_get_by_index::<i32>(0)
        .expect("stock");
    assert_eq!(
        i64::from(left),
        stock - present.len() as i64,
        "stock taken once per order"
    );
    app.assert_ledger_consistent().await;
    own.close().await.ok();
}
