//! The ceiling: Q1, Q2 and Q3 served by hand, with no GraphQL and no ORM, over the same
//! database as shopgraph: its SQLite file, or its PostgreSQL database. Each query runs the
//! statements shopgraph runs for it (same tables, filters, ordering, keyset paging, and a
//! nested page walked per parent: a correlated `LIMIT` subquery on SQLite, a `LATERAL` join on
//! PostgreSQL), selecting only the columns the answer needs, from cached prepared statements;
//! rows are read in place (borrowed text, no tuples of owned strings) and the answer is written
//! straight into one response buffer, with no value tree and no serializer structs.
//!
//! SQLite is read through rusqlite on a connection of each runtime worker's own, so a statement
//! runs on the thread that handles the request: no pool, no lock and no channel to a driver
//! thread. PostgreSQL is read through sqlx's pool (the same driver as shopgraph; it has no
//! synchronous path to skip).
//!
//! The bench runs it as a separate process (`load --ceiling-server PATH-OR-URL`) so it is
//! measured exactly like shopgraph.

// A failed step here is a failed test or benchmark run: panicking with its message is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use sea_orm::sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sea_orm::sqlx::{self, Row};
use serde::Deserialize;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::sync::OnceLock;

/// A request's arguments: Q1's user, Q2's page start (a user id).
#[derive(Deserialize)]
struct Args {
    id: Option<i64>,
    after: Option<i64>,
}

fn args(body: &Bytes) -> Args {
    serde_json::from_slice(body).unwrap_or(Args {
        id: None,
        after: None,
    })
}

/// Page sizes, as the load bench asks: 50 users or orders, 10 posts each; one more row than
/// the page is read, as shopgraph does to know whether a next page exists.
const PAGE: usize = 50;
const POSTS: usize = 10;

/// The response body, written in place.
struct Out(Vec<u8>);

impl Out {
    fn new() -> Self {
        Out(Vec::with_capacity(16 * 1024))
    }

    fn raw(&mut self, s: &str) {
        self.0.extend_from_slice(s.as_bytes());
    }

    /// A JSON string, escaped.
    fn text(&mut self, s: &str) {
        serde_json::to_writer(&mut self.0, s).expect("a string serializes");
    }

    fn int(&mut self, n: i64) {
        self.raw(itoa::Buffer::new().format(n));
    }

    /// An id, as shopgraph's `ID`s are: a JSON string.
    fn id(&mut self, n: i64) {
        self.0.push(b'"');
        self.int(n);
        self.0.push(b'"');
    }

    fn tier(&mut self, tier: &str) {
        self.raw(match tier {
            "silver" => "\"SILVER\"",
            "gold" => "\"GOLD\"",
            "platinum" => "\"PLATINUM\"",
            _ => "\"BRONZE\"",
        });
    }

    fn done(self) -> Response {
        ([(header::CONTENT_TYPE, "application/json")], self.0).into_response()
    }
}

fn failed(e: impl std::fmt::Display) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
}

/// `?, ?, ...` (SQLite) for `n` parameters after the first `skip`.
fn placeholders(n: usize, skip: usize) -> String {
    let mut s = String::with_capacity(n * 5);
    for i in 0..n {
        let _ = write!(s, "{}?{}", if i == 0 { "" } else { ", " }, skip + i + 1);
    }
    s
}

/// Text read from rows, kept in one buffer and named by range.
#[derive(Default)]
struct Arena(String);

impl Arena {
    fn keep(&mut self, s: &str) -> (u32, u32) {
        let start = self.0.len() as u32;
        self.0.push_str(s);
        (start, self.0.len() as u32)
    }

    fn get(&self, (start, end): (u32, u32)) -> &str {
        &self.0[start as usize..end as usize]
    }
}

/// Sorted, distinct ids.
fn distinct(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The name of `id` in `names`, sorted by id.
fn name_of<'a>(names: &'a [(i64, (u32, u32))], arena: &'a Arena, id: i64) -> &'a str {
    let i = names
        .binary_search_by_key(&id, |n| n.0)
        .expect("a row's parent is in the page");
    arena.get(names[i].1)
}

mod lite {
    //! The SQLite ceiling.
    use super::*;
    use rusqlite::{Connection, OpenFlags, params_from_iter};

    pub(super) static PATH: OnceLock<String> = OnceLock::new();

    thread_local! {
        static DB: RefCell<Option<Connection>> = const { RefCell::new(None) };
    }

    /// Runs `f` on this worker thread's connection, opened on first use.
    fn with_db(f: impl FnOnce(&Connection) -> rusqlite::Result<Out>) -> Response {
        DB.with(|cell| {
            let mut slot = cell.borrow_mut();
            let db = slot.get_or_insert_with(|| {
                let db = Connection::open_with_flags(
                    PATH.get().expect("the path is set"),
                    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .expect("the ceiling opens the database");
                db.set_prepared_statement_cache_capacity(64);
                db
            });
            match f(db) {
                Ok(out) => out.done(),
                Err(e) => failed(e),
            }
        })
    }

    /// `SELECT id, name FROM table WHERE id IN (...)` for a sorted id list (cached per size).
    fn names(
        db: &Connection,
        table: &str,
        ids: &[i64],
        arena: &mut Arena,
    ) -> rusqlite::Result<Vec<(i64, (u32, u32))>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, name FROM {table} WHERE id IN ({})",
            placeholders(ids.len(), 0)
        );
        let mut statement = db.prepare_cached(&sql)?;
        let mut rows = statement.query(params_from_iter(ids))?;
        let mut out = Vec::with_capacity(ids.len());
        while let Some(row) = rows.next()? {
            out.push((row.get(0)?, arena.keep(row.get_ref(1)?.as_str()?)));
        }
        out.sort_unstable_by_key(|n| n.0);
        Ok(out)
    }

    pub async fn q1(body: Bytes) -> Response {
        let id = args(&body).id.unwrap_or(0);
        with_db(|db| {
            let mut statement =
                db.prepare_cached("SELECT id, name, email, tier FROM users WHERE id = ?1")?;
            let mut rows = statement.query([id])?;
            Ok(match rows.next()? {
                Some(row) => write_q1(Some((
                    row.get(0)?,
                    row.get_ref(1)?.as_str()?,
                    row.get_ref(2)?.as_str()?,
                    row.get_ref(3)?.as_str()?,
                ))),
                None => write_q1(None),
            })
        })
    }

    pub async fn q2(body: Bytes) -> Response {
        let after = args(&body).after.unwrap_or(0);
        with_db(|db| {
            let mut arena = Arena::default();
            let mut users = Vec::with_capacity(PAGE + 1);
            {
                let mut statement = db.prepare_cached(
                    "SELECT id, name FROM users WHERE id > ?1 ORDER BY id LIMIT ?2",
                )?;
                let mut rows = statement.query([after, PAGE as i64 + 1])?;
                while let Some(row) = rows.next()? {
                    users.push((row.get::<_, i64>(0)?, arena.keep(row.get_ref(1)?.as_str()?)));
                }
            }
            users.truncate(PAGE);
            // Each user's page walks (author_id, created_at, id) and stops at its end.
            let mut posts: Vec<(i64, i64, (u32, u32))> = Vec::with_capacity(users.len() * 11);
            if !users.is_empty() {
                let sql = format!(
                    "SELECT posts.id, posts.author_id, posts.title FROM users AS parent \
                     CROSS JOIN posts WHERE posts.id IN (SELECT posts.id FROM posts \
                     WHERE posts.author_id = parent.id ORDER BY posts.created_at DESC, \
                     posts.id DESC LIMIT ?1) AND parent.id IN ({}) \
                     ORDER BY parent.id, posts.created_at DESC, posts.id DESC",
                    placeholders(users.len(), 1)
                );
                let mut statement = db.prepare_cached(&sql)?;
                let params = std::iter::once(POSTS as i64 + 1).chain(users.iter().map(|u| u.0));
                let mut rows = statement.query(params_from_iter(params))?;
                while let Some(row) = rows.next()? {
                    posts.push((
                        row.get(0)?,
                        row.get(1)?,
                        arena.keep(row.get_ref(2)?.as_str()?),
                    ));
                }
            }
            let authors = names(
                db,
                "users",
                &distinct(posts.iter().map(|p| p.1).collect()),
                &mut arena,
            )?;
            Ok(write_q2(
                users.iter().map(|(id, name)| (*id, arena.get(*name))),
                &posts,
                |(id, author, title)| (*id, *author, arena.get(*title)),
                |id| name_of(&authors, &arena, id),
            ))
        })
    }

    pub async fn q3() -> Response {
        with_db(|db| {
            let mut arena = Arena::default();
            let mut orders: Vec<(i64, i64, i64)> = Vec::with_capacity(PAGE + 1);
            {
                let mut statement = db.prepare_cached(
                    "SELECT id, customer_id, total_cents FROM orders WHERE status = ?1 \
                     ORDER BY id LIMIT ?2",
                )?;
                let mut rows = statement.query(rusqlite::params!["paid", PAGE as i64 + 1])?;
                while let Some(row) = rows.next()? {
                    orders.push((row.get(0)?, row.get(1)?, row.get(2)?));
                }
            }
            orders.truncate(PAGE);
            let customers = names(
                db,
                "users",
                &distinct(orders.iter().map(|o| o.1).collect()),
                &mut arena,
            )?;
            let mut items: Vec<(i64, i64, i64, i64)> = Vec::with_capacity(orders.len() * 4);
            if !orders.is_empty() {
                let sql = format!(
                    "SELECT order_id, product_id, quantity, unit_price_cents FROM order_items \
                     WHERE order_id IN ({}) ORDER BY id",
                    placeholders(orders.len(), 0)
                );
                let mut statement = db.prepare_cached(&sql)?;
                let mut rows = statement.query(params_from_iter(orders.iter().map(|o| o.0)))?;
                while let Some(row) = rows.next()? {
                    items.push((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?));
                }
            }
            let products = names(
                db,
                "products",
                &distinct(items.iter().map(|i| i.1).collect()),
                &mut arena,
            )?;
            // Stable: each order's items stay in id order.
            items.sort_by_key(|i| i.0);
            Ok(write_q3(
                &orders,
                &items,
                |id| name_of(&customers, &arena, id),
                |id| name_of(&products, &arena, id),
            ))
        })
    }
}

/// Q1's answer from its row: the user's id, name, email and tier.
fn write_q1(user: Option<(i64, &str, &str, &str)>) -> Out {
    let mut out = Out::new();
    out.raw("{\"data\":{\"user\":");
    match user {
        Some((id, name, email, tier)) => {
            out.raw("{\"id\":");
            out.id(id);
            out.raw(",\"name\":");
            out.text(name);
            out.raw(",\"email\":");
            out.text(email);
            out.raw(",\"tier\":");
            out.tier(tier);
            out.raw("}");
        }
        None => out.raw("null"),
    }
    out.raw("}}");
    out
}

/// Q2's answer from its rows: the users in order, and their posts (each read as its id,
/// author and title by `post`) grouped by author in the users' order, at most [`POSTS`] each.
fn write_q2<'a, P>(
    users: impl Iterator<Item = (i64, &'a str)>,
    posts: &'a [P],
    post: impl Fn(&'a P) -> (i64, i64, &'a str),
    author: impl Fn(i64) -> &'a str,
) -> Out {
    let mut out = Out::new();
    out.raw("{\"data\":{\"users\":{\"nodes\":[");
    let mut posts = posts.iter().map(post).peekable();
    for (n, (id, name)) in users.enumerate() {
        if n > 0 {
            out.raw(",");
        }
        out.raw("{\"id\":");
        out.id(id);
        out.raw(",\"name\":");
        out.text(name);
        out.raw(",\"posts\":{\"nodes\":[");
        let mut written = 0;
        while let Some((post, author_id, title)) = posts.next_if(|p| p.1 == id) {
            if written == POSTS {
                continue;
            }
            if written > 0 {
                out.raw(",");
            }
            written += 1;
            out.raw("{\"id\":");
            out.id(post);
            out.raw(",\"title\":");
            out.text(title);
            out.raw(",\"author\":{\"id\":");
            out.id(author_id);
            out.raw(",\"name\":");
            out.text(author(author_id));
            out.raw("}}");
        }
        out.raw("]}}");
    }
    out.raw("]}}}");
    out
}

/// Q3's answer from its rows: orders by id, items grouped by order in id order.
fn write_q3<'a>(
    orders: &[(i64, i64, i64)],
    items: &[(i64, i64, i64, i64)],
    customer: impl Fn(i64) -> &'a str,
    product: impl Fn(i64) -> &'a str,
) -> Out {
    let mut out = Out::new();
    out.raw("{\"data\":{\"orders\":{\"nodes\":[");
    for (n, (id, customer_id, total_cents)) in orders.iter().enumerate() {
        if n > 0 {
            out.raw(",");
        }
        out.raw("{\"id\":");
        out.id(*id);
        out.raw(",\"totalCents\":");
        out.int(*total_cents);
        out.raw(",\"customer\":{\"name\":");
        out.text(customer(*customer_id));
        out.raw("},\"items\":[");
        let start = items.partition_point(|i| i.0 < *id);
        for (k, (_, product_id, quantity, unit_price_cents)) in
            items[start..].iter().take_while(|i| i.0 == *id).enumerate()
        {
            if k > 0 {
                out.raw(",");
            }
            out.raw("{\"quantity\":");
            out.int(*quantity);
            out.raw(",\"unitPriceCents\":");
            out.int(*unit_price_cents);
            out.raw(",\"product\":{\"name\":");
            out.text(product(*product_id));
            out.raw("}}");
        }
        out.raw("]}");
    }
    out.raw("]}}}");
    out
}

mod pg {
    //! The PostgreSQL ceiling: lists of ids go as one array parameter, so each statement is
    //! prepared once.
    use super::*;

    async fn names(
        pool: &PgPool,
        table: &str,
        ids: &[i32],
        arena: &mut Arena,
    ) -> sqlx::Result<Vec<(i64, (u32, u32))>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = match table {
            "users" => "SELECT id, name FROM users WHERE id = ANY($1)",
            _ => "SELECT id, name FROM products WHERE id = ANY($1)",
        };
        let rows = sqlx::query(sql).bind(ids).fetch_all(pool).await?;
        let mut out: Vec<(i64, (u32, u32))> = rows
            .iter()
            .map(|r| (i64::from(id(r, 0)), arena.keep(text(r, 1))))
            .collect();
        out.sort_unstable_by_key(|n| n.0);
        Ok(out)
    }

    fn id(row: &PgRow, i: usize) -> i32 {
        row.try_get_unchecked(i).expect("an int4 column")
    }

    fn text(row: &PgRow, i: usize) -> &str {
        row.try_get_unchecked(i).expect("a text column")
    }

    fn distinct32(ids: impl Iterator<Item = i32>) -> Vec<i32> {
        let mut ids: Vec<i32> = ids.collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn respond(answer: sqlx::Result<Out>) -> Response {
        match answer {
            Ok(out) => out.done(),
            Err(e) => failed(e),
        }
    }

    pub async fn q1(State(pool): State<PgPool>, body: Bytes) -> Response {
        let user = i32::try_from(args(&body).id.unwrap_or(0)).unwrap_or(0);
        respond(
            async {
                let row = sqlx::query("SELECT id, name, email, tier FROM users WHERE id = $1")
                    .bind(user)
                    .fetch_optional(&pool)
                    .await?;
                Ok(write_q1(row.as_ref().map(|row| {
                    (id(row, 0).into(), text(row, 1), text(row, 2), text(row, 3))
                })))
            }
            .await,
        )
    }

    pub async fn q2(State(pool): State<PgPool>, body: Bytes) -> Response {
        let after = i32::try_from(args(&body).after.unwrap_or(0)).unwrap_or(0);
        respond(
            async {
                let mut users =
                    sqlx::query("SELECT id, name FROM users WHERE id > $1 ORDER BY id LIMIT $2")
                        .bind(after)
                        .bind(PAGE as i64 + 1)
                        .fetch_all(&pool)
                        .await?;
                users.truncate(PAGE);
                let ids: Vec<i32> = users.iter().map(|u| id(u, 0)).collect();
                // Each user's page is an index walk on (author_id, created_at, id) that stops at
                // its end.
                let posts = if ids.is_empty() {
                    Vec::new()
                } else {
                    sqlx::query(
                        "SELECT p.id, p.author_id, p.title FROM users AS parent \
                         INNER JOIN LATERAL (SELECT posts.id, posts.author_id, posts.title, \
                         posts.created_at FROM posts WHERE posts.author_id = parent.id \
                         ORDER BY posts.created_at DESC, posts.id DESC LIMIT $1) AS p ON TRUE \
                         WHERE parent.id = ANY($2) \
                         ORDER BY parent.id, p.created_at DESC, p.id DESC",
                    )
                    .bind(POSTS as i64 + 1)
                    .bind(&ids[..])
                    .fetch_all(&pool)
                    .await?
                };
                let mut arena = Arena::default();
                let authors = names(
                    &pool,
                    "users",
                    &distinct32(posts.iter().map(|p| id(p, 1))),
                    &mut arena,
                )
                .await?;
                Ok(write_q2(
                    users.iter().map(|u| (id(u, 0).into(), text(u, 1))),
                    &posts,
                    |p| (id(p, 0).into(), id(p, 1).into(), text(p, 2)),
                    |author| name_of(&authors, &arena, author),
                ))
            }
            .await,
        )
    }

    pub async fn q3(State(pool): State<PgPool>) -> Response {
        respond(
            async {
                let mut rows = sqlx::query(
                    "SELECT id, customer_id, total_cents FROM orders WHERE status = $1 \
                     ORDER BY id LIMIT $2",
                )
                .bind("paid")
                .bind(PAGE as i64 + 1)
                .fetch_all(&pool)
                .await?;
                rows.truncate(PAGE);
                let orders: Vec<(i64, i64, i64)> = rows
                    .iter()
                    .map(|r| {
                        (
                            id(r, 0).into(),
                            id(r, 1).into(),
                            r.try_get_unchecked::<i64, _>(2).expect("an int8 column"),
                        )
                    })
                    .collect();
                let mut arena = Arena::default();
                let customers = names(
                    &pool,
                    "users",
                    &distinct32(rows.iter().map(|r| id(r, 1))),
                    &mut arena,
                )
                .await?;
                let order_ids: Vec<i32> = rows.iter().map(|r| id(r, 0)).collect();
                let mut items: Vec<(i64, i64, i64, i64)> = if order_ids.is_empty() {
                    Vec::new()
                } else {
                    sqlx::query(
                        "SELECT order_id, product_id, quantity, unit_price_cents \
                         FROM order_items WHERE order_id = ANY($1) ORDER BY id",
                    )
                    .bind(&order_ids[..])
                    .fetch_all(&pool)
                    .await?
                    .iter()
                    .map(|r| {
                        (
                            id(r, 0).into(),
                            id(r, 1).into(),
                            id(r, 2).into(),
                            r.try_get_unchecked::<i64, _>(3).expect("an int8 column"),
                        )
                    })
                    .collect()
                };
                let products = names(
                    &pool,
                    "products",
                    &distinct32(items.iter().map(|i| i.1 as i32)),
                    &mut arena,
                )
                .await?;
                items.sort_by_key(|i| i.0);
                Ok(write_q3(
                    &orders,
                    &items,
                    |id| name_of(&customers, &arena, id),
                    |id| name_of(&products, &arena, id),
                ))
            }
            .await,
        )
    }
}

/// Serves the ceiling on an ephemeral port over `target` (a SQLite file's path, or a
/// `postgres://` URL, where it keeps a pool of `connections`), printing `listening on ADDRESS`
/// once ready.
pub async fn serve(target: &str, connections: u32) {
    let app = if target.starts_with("postgres") {
        let pool = PgPoolOptions::new()
            .max_connections(connections)
            .min_connections(connections)
            // As shopgraph's pool: no ping before each statement.
            .test_before_acquire(false)
            .connect(target)
            .await
            .expect("the ceiling connects to PostgreSQL");
        Router::new()
            .route("/q1", post(pg::q1))
            .route("/q2", post(pg::q2))
            .route("/q3", post(pg::q3))
            .with_state(pool)
    } else {
        lite::PATH.set(target.to_owned()).expect("set once");
        Router::new()
            .route("/q1", post(lite::q1))
            .route("/q2", post(lite::q2))
            .route("/q3", post(lite::q3))
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("listening on {}", listener.local_addr().unwrap());
    axum::serve(listener, app).await.unwrap();
}
