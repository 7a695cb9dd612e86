//! Generated data for the load benchmark (and its test): users, posts, products and orders of
//! a given size. The same seed and sizes always give the same rows; a database that already
//! holds them is left alone. Everything is computed in memory first (balances, tiers and
//! ledger included, by the same loyalty rules as real orders) and written with batched inserts
//! in one transaction. It lives here, not in the shipped binary, which never needs it.

use chrono::{DateTime, Duration, TimeZone, Utc};
use entity::{
    OrderStatus, PointKind, PostStatus, UserStatus, order, order_item, point_transaction, post,
    product, user,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, TransactionTrait,
};
use service::ops::database;
use service::{Error, Result, loyalty, users};

/// How much to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    pub users: u32,
    pub posts_per_user: u32,
    pub products: u32,
    pub orders: u32,
    pub seed: u64,
}

impl Spec {
    /// The standard benchmark size: 10,000 users with 10 posts each, 1,000 products, 50,000
    /// orders of 1–5 items.
    pub const STANDARD: Spec = Spec {
        users: 10_000,
        posts_per_user: 10,
        products: 1_000,
        orders: 50_000,
        seed: 42,
    };
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Generated {
    pub rows: u64,
    /// False when the data was already there.
    pub written: bool,
}

/// Email of generated user `i`.
pub fn email(i: u32) -> String {
    format!("user{i}@bench.example")
}

const CATEGORIES: [&str; 10] = [
    "kitchen",
    "pantry",
    "stationery",
    "home",
    "garden",
    "toys",
    "books",
    "audio",
    "sport",
    "outdoor",
];

/// Writes the generated data unless it is there already. `progress` hears each table as it goes.
pub async fn generate(
    db: &DatabaseConnection,
    spec: Spec,
    mut progress: impl FnMut(&str, u64),
) -> Result<Generated> {
    if spec.users == 0 {
        return Err(Error::invalid("users", "must be at least 1"));
    }
    let done = user::Entity::find()
        .filter(user::Column::Email.eq(email(0)))
        .one(db)
        .await?;
    if done.is_some() {
        return Ok(Generated {
            rows: 0,
            written: false,
        });
    }
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let start: DateTime<Utc> = Utc
        .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_else(Utc::now);
    // Nothing else writes while the benchmark's data is generated: a plain transaction.
    let txn = db.begin().await?;
    // New rows take ids after any already there (the demo data, say).
    let user_base = next_id(&txn, "users").await?;
    let product_base = next_id(&txn, "products").await?;
    let post_base = next_id(&txn, "posts").await?;
    let order_base = next_id(&txn, "orders").await?;
    let item_base = next_id(&txn, "order_items").await?;
    let ledger_base = next_id(&txn, "point_transactions").await?;

    // Products.
    let mut prices = Vec::with_capacity(spec.products as usize);
    let mut products = Vec::with_capacity(spec.products as usize);
    for i in 0..spec.products {
        let price = rng.gen_range(100..20_000) as i64;
        prices.push(price);
        let at = start + Duration::minutes(i64::from(i));
        products.push(product::ActiveModel {
            id: Set(product_base + i as i32),
            sku: Set(format!("BENCH-{i:06}")),
            slug: Set(format!("bench-product-{i}")),
            name: Set(format!("Product {i}")),
            category: Set(CATEGORIES[i as usize % CATEGORIES.len()].to_owned()),
            price_cents: Set(price),
            stock: Set(1_000_000),
            created_at: Set(at),
            updated_at: Set(at),
        });
    }

    // Orders, items and the ledger, with each customer's loyalty as it grows.
    let mut balance = vec![0i64; spec.users as usize];
    let mut orders = Vec::with_capacity(spec.orders as usize);
    let mut items = Vec::new();
    let mut ledger = Vec::new();
    let statuses = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Paid,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
    ];
    for i in 0..spec.orders {
        let customer = rng.gen_range(0..spec.users) as usize;
        let order_id = order_base + i as i32;
        let at = start + Duration::seconds(i64::from(i) * 37);
        let lines = rng.gen_range(1..=5usize).min(spec.products.max(1) as usize);
        let mut chosen: Vec<u32> = Vec::with_capacity(lines);
        while chosen.len() < lines && spec.products > 0 {
            let p = rng.gen_range(0..spec.products);
            if !chosen.contains(&p) {
                chosen.push(p);
            }
        }
        let mut total = 0i64;
        for p in chosen {
            let quantity = rng.gen_range(1..=3);
            let price = prices[p as usize];
            total += price * i64::from(quantity);
            items.push(order_item::ActiveModel {
                id: Set(item_base + items.len() as i32),
                order_id: Set(order_id),
                product_id: Set(product_base + p as i32),
                quantity: Set(quantity),
                unit_price_cents: Set(price),
            });
        }
        let tier = loyalty::tier_for(balance[customer]);
        let earned = loyalty::points_for_order(total, tier);
        balance[customer] += earned;
        if earned > 0 {
            ledger.push(point_transaction::ActiveModel {
                id: Set(ledger_base + ledger.len() as i32),
                user_id: Set(user_base + customer as i32),
                kind: Set(PointKind::Earn),
                points: Set(earned),
                order_id: Set(Some(order_id)),
                counterparty_id: Set(None),
                created_at: Set(at),
            });
        }
        orders.push(order::ActiveModel {
            id: Set(order_id),
            customer_id: Set(user_base + customer as i32),
            status: Set(statuses[rng.gen_range(0..statuses.len())]),
            total_cents: Set(total),
            points_earned: Set(earned),
            points_unreversed: Set(0),
            created_at: Set(at),
            updated_at: Set(at),
        });
    }

    // Users, with the balances their orders earned (no spending yet, so lifetime = balance).
    let mut user_rows = Vec::with_capacity(spec.users as usize);
    for i in 0..spec.users {
        let id = user_base + i as i32;
        let at = start + Duration::minutes(i64::from(i));
        let points = balance[i as usize];
        user_rows.push(user::ActiveModel {
            id: Set(id),
            email: Set(email(i)),
            name: Set(format!("User {i}")),
            status: Set(UserStatus::Active),
            card_number: Set(users::card_number(id)),
            points_balance: Set(points),
            tier: Set(loyalty::tier_for(points)),
            lifetime_points: Set(points),
            password_hash: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
        });
    }

    // Posts: seven in ten published.
    let mut posts = Vec::with_capacity((spec.users * spec.posts_per_user) as usize);
    for u in 0..spec.users {
        for k in 0..spec.posts_per_user {
            let n = u * spec.posts_per_user + k;
            let at = start + Duration::minutes(i64::from(n));
            let published = rng.gen_range(0..10) < 7;
            posts.push(post::ActiveModel {
                id: Set(post_base + n as i32),
                author_id: Set(user_base + u as i32),
                title: Set(format!("Post {k} by user {u}")),
                content: Set(format!("Generated post {n}.")),
                status: Set(if published {
                    PostStatus::Published
                } else {
                    PostStatus::Draft
                }),
                published_at: Set(published.then_some(at)),
                created_at: Set(at),
                updated_at: Set(at),
            });
        }
    }

    let mut rows = 0u64;
    rows += insert_all(&txn, user_rows, "users", &mut progress).await?;
    rows += insert_all(&txn, products, "products", &mut progress).await?;
    rows += insert_all(&txn, posts, "posts", &mut progress).await?;
    rows += insert_all(&txn, orders, "orders", &mut progress).await?;
    rows += insert_all(&txn, items, "order_items", &mut progress).await?;
    rows += insert_all(&txn, ledger, "point_transactions", &mut progress).await?;
    database::reset_sequences(&txn).await?;
    txn.commit().await?;
    database::refresh_statistics(db).await?;
    Ok(Generated {
        rows,
        written: true,
    })
}

async fn next_id(db: &impl ConnectionTrait, table: &str) -> Result<i32> {
    use sea_orm::Statement;
    let backend = db.get_database_backend();
    let sql = format!("SELECT CAST(COALESCE(MAX(id), 0) AS INTEGER) AS m FROM {table}");
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i32>("", "m"))
        .transpose()?
        .unwrap_or(0)
        + 1)
}

async fn insert_all<A>(
    txn: &impl ConnectionTrait,
    rows: Vec<A>,
    table: &str,
    progress: &mut impl FnMut(&str, u64),
) -> Result<u64>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
{
    let count = rows.len() as u64;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(1_000).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
    }
    progress(table, count);
    Ok(count)
}
