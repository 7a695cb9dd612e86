//! Catalog sync: create a product, or update it if its SKU exists, in one statement
//! (`INSERT … ON CONFLICT (sku) DO UPDATE … RETURNING`), so an importer never reads, decides
//! and writes while another writer races it.

use super::NewProduct;
use crate::domain::access::Viewer;
use crate::domain::idempotency::{self, Attempt};
use crate::{Error, Result, domain::clock, store::db};
use entity::product;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait,
    FromQueryResult, QueryFilter,
};
use std::collections::{HashMap, HashSet};

/// Most products one `upsertProducts` call may carry (eight bound values each keeps a
/// statement far below both databases' limits).
pub const MAX_UPSERTS: usize = 500;

/// A product to create, or to update if its SKU exists.
#[derive(Clone, Debug)]
pub struct ProductUpsert {
    pub sku: String,
    /// Used when the product is created; an existing product keeps its slug.
    pub slug: String,
    pub name: String,
    pub category: String,
    pub price_cents: i64,
    /// Sets the stock when given; a new product without it starts at 0.
    pub stock: Option<i32>,
}

/// What an upsert did to one product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upserted {
    pub product: product::Model,
    /// Whether the product was created (rather than updated).
    pub created: bool,
}

/// Creates or updates each of `inputs` by SKU, all in one transaction, and answers in their
/// order. Admins only. A rule broken by any input refuses them all, naming it
/// (`inputs[3].priceCents`, or just the field for a single input); a SKU may appear once. A new
/// product whose slug is taken → CONFLICT on `slug`.
#[tracing::instrument(skip(db, inputs, attempt), fields(inputs = inputs.len()))]
pub async fn upsert(
    db: &DatabaseConnection,
    viewer: &Viewer,
    inputs: Vec<ProductUpsert>,
    attempt: Option<&Attempt>,
) -> Result<Vec<Upserted>> {
    viewer.require_admin()?;
    let single = inputs.len() == 1;
    let at = |i: usize, err: Error| match err {
        Error::Invalid { field, message } if !single => Error::Invalid {
            field: format!("inputs[{i}].{field}"),
            message,
        },
        other => other,
    };
    if inputs.is_empty() || inputs.len() > MAX_UPSERTS {
        return Err(Error::invalid(
            "inputs",
            format!("1 to {MAX_UPSERTS} products at a time"),
        ));
    }
    let mut rows = Vec::with_capacity(inputs.len());
    let mut seen = HashSet::new();
    for (i, input) in inputs.into_iter().enumerate() {
        let stock = input.stock;
        let checked = NewProduct {
            sku: input.sku,
            slug: input.slug,
            name: input.name,
            category: input.category,
            price_cents: input.price_cents,
            stock: stock.unwrap_or(0),
        }
        .checked()
        .map_err(|e| at(i, e))?;
        if !seen.insert(checked.sku.clone()) {
            return Err(at(
                i,
                Error::invalid("sku", "each SKU may appear once in one call"),
            ));
        }
        rows.push((checked, stock.is_some()));
    }

    db::with_retries(|| async {
        let txn = db::begin_write(db).await?;
        // Taken inside the write lane, after every earlier write: on SQLite a row this
        // statement did not create never has `created_at` equal to it.
        let now = clock::now();
        let mut written: HashMap<String, Upserted> = HashMap::with_capacity(rows.len());
        // One statement for the inputs that set stock and one for those that keep it.
        for sets_stock in [true, false] {
            let part: Vec<&NewProduct> = rows
                .iter()
                .filter(|(_, s)| *s == sets_stock)
                .map(|(p, _)| p)
                .collect();
            if !part.is_empty() {
                for upserted in write(&txn, &part, sets_stock, now).await? {
                    written.insert(upserted.product.sku.clone(), upserted);
                }
            }
        }
        let answered: Vec<Upserted> = rows
            .iter()
            .map(|(p, _)| {
                written.remove(&p.sku).ok_or(Error::Invariant {
                    what: "an upserted product did not come back",
                })
            })
            .collect::<Result<_>>()?;
        let ids: Vec<i32> = answered
            .iter()
            .flat_map(|u| [u.product.id, i32::from(u.created)])
            .collect();
        idempotency::commit(txn, attempt, &ids).await?;
        Ok(answered)
    })
    .await
}

/// The products of a keyed upsert that an earlier run wrote, as it answered them: `ids` holds
/// each product's id and whether it was created.
pub async fn upserted_before(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<Upserted>> {
    let pairs: Vec<(i32, bool)> = ids
        .chunks(2)
        .map(|p| (p[0], p.get(1) == Some(&1)))
        .collect();
    let found = product::Entity::find()
        .filter(product::Column::Id.is_in(pairs.iter().map(|(id, _)| *id)))
        .all(db)
        .await?;
    let mut found: HashMap<i32, product::Model> = found.into_iter().map(|p| (p.id, p)).collect();
    pairs
        .into_iter()
        .map(|(id, created)| {
            let product = found
                .remove(&id)
                .ok_or_else(|| Error::not_found("product", id))?;
            Ok(Upserted { product, created })
        })
        .collect()
}

/// `INSERT … ON CONFLICT (sku) DO UPDATE SET name, category, price_cents[, stock], updated_at
/// … RETURNING *, inserted`.
async fn write(
    txn: &impl ConnectionTrait,
    part: &[&NewProduct],
    sets_stock: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Upserted>> {
    use product::Column;
    let mut insert = Query::insert();
    insert.into_table(product::Entity).columns([
        Column::Sku,
        Column::Slug,
        Column::Name,
        Column::Category,
        Column::PriceCents,
        Column::Stock,
        Column::CreatedAt,
        Column::UpdatedAt,
    ]);
    for p in part {
        insert
            .values([
                p.sku.clone().into(),
                p.slug.clone().into(),
                p.name.clone().into(),
                p.category.clone().into(),
                p.price_cents.into(),
                p.stock.into(),
                now.into(),
                now.into(),
            ])
            .map_err(|e| Error::internal("building the upsert", std::sync::Arc::new(e)))?;
    }
    let mut updated = vec![
        Column::Name,
        Column::Category,
        Column::PriceCents,
        Column::UpdatedAt,
    ];
    if sets_stock {
        updated.push(Column::Stock);
    }
    insert.on_conflict(
        OnConflict::column(Column::Sku)
            .update_columns(updated)
            .to_owned(),
    );
    // Whether the row is new: PostgreSQL marks a row an upsert updated with its transaction
    // (`xmax`); SQLite has no such mark, and a new row is the one created at this `now`.
    let inserted = match txn.get_database_backend() {
        DatabaseBackend::Postgres => Expr::cust("(xmax = 0) AS inserted"),
        _ => Expr::cust("(created_at = updated_at) AS inserted"),
    };
    insert.returning(Query::returning().exprs([Expr::cust("*"), inserted]));
    let statement = txn.get_database_backend().build(&insert);
    let rows = txn
        .query_all_raw(statement)
        .await
        .map_err(|e| Error::on_unique(e, &["slug"]))?;
    rows.iter()
        .map(|row| {
            Ok(Upserted {
                product: product::Model::from_query_result(row, "")?,
                created: row.try_get::<bool>("", "inserted")?,
            })
        })
        .collect()
}
