//! The ceiling: Q1, Q2 and Q3 served by hand, with no GraphQL and no ORM, over the same SQLite
//! file. Each is the statements shopgraph runs for the query (same tables, filters, ordering,
//! keyset paging, a nested page walked per parent), selecting only the columns the answer needs, decoded by
//! sqlx into tuples and written by serde_json from borrowed structs, behind a bare axum handler.
//! The bench runs it as a separate process (`load --ceiling-server PATH`) so it is measured
//! exactly like shopgraph.

// A failed step here is a failed test or benchmark run: panicking with its message is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use sea_orm::sqlx::AssertSqlSafe;
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt::Write;

#[derive(Deserialize)]
struct Args {
    id: Option<i64>,
    after: Option<i64>,
}

type Answer = Result<Vec<u8>, String>;

fn respond(answer: Answer) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    match answer {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    }
}

/// `?, ?, ...` for `n` parameters.
fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        let _ = write!(s, "{}?", if i == 0 { "" } else { ", " });
    }
    s
}

#[derive(Serialize)]
struct Data<T> {
    data: T,
}

/// `{"data": …}` as the response body.
fn body(data: impl Serialize) -> Answer {
    serde_json::to_vec(&Data { data }).map_err(|e| e.to_string())
}

#[derive(Serialize)]
struct Q1<'a> {
    user: Option<Q1User<'a>>,
}

#[derive(Serialize)]
struct Q1User<'a> {
    id: String,
    name: &'a str,
    email: &'a str,
    tier: &'a str,
}

async fn q1(State(pool): State<SqlitePool>, Json(args): Json<Args>) -> axum::response::Response {
    let answer = async {
        let row: Option<(i64, String, String, String)> =
            sea_orm::sqlx::query_as("SELECT id, name, email, tier FROM users WHERE id = ?")
                .bind(args.id.unwrap_or(0))
                .fetch_optional(&pool)
                .await
                .map_err(|e| e.to_string())?;
        let user = row.as_ref().map(|(id, name, email, tier)| Q1User {
            id: id.to_string(),
            name,
            email,
            tier: match tier.as_str() {
                "silver" => "SILVER",
                "gold" => "GOLD",
                "platinum" => "PLATINUM",
                _ => "BRONZE",
            },
        });
        body(Q1 { user })
    };
    respond(answer.await)
}

#[derive(Serialize)]
struct Q2<'a> {
    users: Nodes<Q2User<'a>>,
}

#[derive(Serialize)]
struct Nodes<T> {
    nodes: Vec<T>,
}

#[derive(Serialize)]
struct Q2User<'a> {
    id: String,
    name: &'a str,
    posts: Nodes<Q2Post<'a>>,
}

#[derive(Serialize)]
struct Q2Post<'a> {
    id: String,
    title: &'a str,
    author: Named<'a>,
}

#[derive(Serialize, Clone, Copy)]
struct Named<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    id: &'a str,
    name: &'a str,
}

async fn q2(State(pool): State<SqlitePool>, Json(args): Json<Args>) -> axum::response::Response {
    let answer = async {
        let users: Vec<(i64, String)> =
            sea_orm::sqlx::query_as("SELECT id, name FROM users WHERE id > ? ORDER BY id LIMIT ?")
                .bind(args.after.unwrap_or(0))
                .bind(51)
                .fetch_all(&pool)
                .await
                .map_err(|e| e.to_string())?;
        let users = &users[..users.len().min(50)];
        // Each user's page walks (author_id, created_at, id) and stops at its end, as
        // shopgraph's nested pages do.
        let sql = format!(
            "SELECT posts.id, posts.author_id, posts.title FROM users AS parent CROSS JOIN posts \
             WHERE posts.id IN (SELECT posts.id FROM posts WHERE posts.author_id = parent.id \
             ORDER BY posts.created_at DESC, posts.id DESC LIMIT ?) AND parent.id IN ({}) \
             ORDER BY parent.id, posts.created_at DESC, posts.id DESC",
            placeholders(users.len())
        );
        let mut query =
            sea_orm::sqlx::query_as::<_, (i64, i64, String)>(AssertSqlSafe(sql)).bind(11);
        for (id, _) in users {
            query = query.bind(id);
        }
        let posts = query.fetch_all(&pool).await.map_err(|e| e.to_string())?;
        let author_rows = names(
            &pool,
            "users",
            &distinct(posts.iter().map(|p| p.1).collect()),
        )
        .await?;
        let author_ids: Vec<String> = author_rows.iter().map(|a| a.0.to_string()).collect();
        let by_id: HashMap<i64, Named<'_>> = author_rows
            .iter()
            .zip(&author_ids)
            .map(|((id, name), sid)| (*id, Named { id: sid, name }))
            .collect();
        let mut per_user: HashMap<i64, Vec<Q2Post<'_>>> = HashMap::new();
        for (id, author, title) in &posts {
            let list = per_user.entry(*author).or_default();
            if list.len() < 10 {
                list.push(Q2Post {
                    id: id.to_string(),
                    title,
                    author: by_id[author],
                });
            }
        }
        let nodes = users
            .iter()
            .map(|(id, name)| Q2User {
                id: id.to_string(),
                name,
                posts: Nodes {
                    nodes: per_user.remove(id).unwrap_or_default(),
                },
            })
            .collect();
        body(Q2 {
            users: Nodes { nodes },
        })
    };
    respond(answer.await)
}

#[derive(Serialize)]
struct Q3<'a> {
    orders: Nodes<Q3Order<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Q3Order<'a> {
    id: String,
    total_cents: i64,
    customer: Named<'a>,
    items: Vec<Q3Item<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Q3Item<'a> {
    quantity: i64,
    unit_price_cents: i64,
    product: Named<'a>,
}

async fn names(pool: &SqlitePool, table: &str, ids: &[i64]) -> Result<Vec<(i64, String)>, String> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, name FROM {table} WHERE id IN ({})",
        placeholders(ids.len())
    );
    let mut query = sea_orm::sqlx::query_as::<_, (i64, String)>(AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(id);
    }
    query.fetch_all(pool).await.map_err(|e| e.to_string())
}

fn distinct(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

async fn q3(State(pool): State<SqlitePool>) -> axum::response::Response {
    let answer = async {
        let orders: Vec<(i64, i64, i64)> = sea_orm::sqlx::query_as(
            "SELECT id, customer_id, total_cents FROM orders WHERE status = ? ORDER BY id LIMIT ?",
        )
        .bind("paid")
        .bind(51)
        .fetch_all(&pool)
        .await
        .map_err(|e| e.to_string())?;
        let orders = &orders[..orders.len().min(50)];
        let customers = names(
            &pool,
            "users",
            &distinct(orders.iter().map(|o| o.1).collect()),
        )
        .await?;
        let sql = format!(
            "SELECT order_id, product_id, quantity, unit_price_cents FROM order_items \
             WHERE order_id IN ({}) ORDER BY id",
            placeholders(orders.len())
        );
        let mut query = sea_orm::sqlx::query_as::<_, (i64, i64, i64, i64)>(AssertSqlSafe(sql));
        for order in orders {
            query = query.bind(order.0);
        }
        let items = if orders.is_empty() {
            Vec::new()
        } else {
            query.fetch_all(&pool).await.map_err(|e| e.to_string())?
        };
        let products = names(
            &pool,
            "products",
            &distinct(items.iter().map(|i| i.1).collect()),
        )
        .await?;
        let customer: HashMap<i64, &str> =
            customers.iter().map(|(i, n)| (*i, n.as_str())).collect();
        let product: HashMap<i64, &str> = products.iter().map(|(i, n)| (*i, n.as_str())).collect();
        let mut per_order: HashMap<i64, Vec<Q3Item<'_>>> = HashMap::new();
        for (order, product_id, quantity, unit_price_cents) in &items {
            per_order.entry(*order).or_default().push(Q3Item {
                quantity: *quantity,
                unit_price_cents: *unit_price_cents,
                product: Named {
                    id: "",
                    name: product[product_id],
                },
            });
        }
        let nodes = orders
            .iter()
            .map(|(id, customer_id, total_cents)| Q3Order {
                id: id.to_string(),
                total_cents: *total_cents,
                customer: Named {
                    id: "",
                    name: customer[customer_id],
                },
                items: per_order.remove(id).unwrap_or_default(),
            })
            .collect();
        body(Q3 {
            orders: Nodes { nodes },
        })
    };
    respond(answer.await)
}

/// Serves the ceiling on an ephemeral port over the SQLite file at `path` with a pool of
/// `connections`, printing `listening on ADDRESS` once ready.
pub async fn serve(path: &str, connections: u32) {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // As shopgraph's pool: the worker thread never waits for the reader.
        .row_buffer_size(service::ops::database::ROW_BUFFER);
    let pool = SqlitePoolOptions::new()
        .max_connections(connections)
        // As shopgraph's pool: no ping before each statement.
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .expect("ceiling opens the database");
    let app = Router::new()
        .route("/q1", post(q1))
        .route("/q2", post(q2))
        .route("/q3", post(q3))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("listening on {}", listener.local_addr().unwrap());
    axum::serve(listener, app).await.unwrap();
}
