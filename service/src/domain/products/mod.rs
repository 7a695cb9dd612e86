//! The catalog: reading, listing and creating products. Prices are integer cents.

use crate::domain::access::Viewer;
use crate::store::filter::{Cmp, TextCmp, column_filter};
use crate::store::pagination::{self, Page, PageArgs, Sort, sort_keys};
use crate::store::projection::{self, Columns, ProductColumn, ProductRow};
use crate::{
    Error, Result,
    domain::{clock, validate},
    store::db,
};
use entity::{order_item, product};
use sea_orm::sea_query::{Expr, ExprTrait};
mod upsert;
pub use upsert::{MAX_UPSERTS, ProductUpsert, Upserted, upsert, upserted_before};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter,
};

/// Highest price a product may have, in cents (10,000,000.00): an order of 1,000 units on
/// each of its 100 lines stays far below [`validate::MAX_AMOUNT`].
pub const MAX_PRICE_CENTS: i64 = 1_000_000_000;
/// Most units a product may have in stock.
pub const MAX_STOCK: i32 = 1_000_000_000;

column_filter! {
    /// What lists of products can be filtered on.
    pub struct ProductFilter of product, condition condition {
        id: Cmp<i32> = Id,
        sku: TextCmp = Sku,
        slug: TextCmp = Slug,
        name: TextCmp = Name,
        category: TextCmp = Category,
        price_cents: Cmp<i64> = PriceCents,
        stock: Cmp<i32> = Stock,
    }
}

sort_keys! {
    /// Indexed columns products can be sorted by.
    pub enum ProductSort of product {
        Id(id),
        Name(name),
        PriceCents(price_cents),
        CreatedAt(created_at),
    }
}

/// One product by id.
#[tracing::instrument(skip(db))]
pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<Option<product::Model>> {
    Ok(product::Entity::find_by_id(id).one(db).await?)
}

/// One product by slug.
#[tracing::instrument(skip(db))]
pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<Option<product::Model>> {
    Ok(product::Entity::find()
        .filter(product::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

/// Products with any of `ids`, in no particular order, read with only `columns` (for
/// DataLoaders: see `projection`).
#[tracing::instrument(skip(db, ids), fields(keys = ids.len()))]
pub async fn rows_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
    columns: Columns<ProductColumn>,
) -> Result<Vec<ProductRow>> {
    Ok(projection::rows_by_ids(db, ids, columns).await?)
}

/// One page of products.
#[tracing::instrument(skip(db))]
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ProductFilter,
    sort: Sort<ProductSort>,
    page: &PageArgs,
) -> Result<Page<product::Model>> {
    let select = product::Entity::find().filter(filter.condition());
    pagination::fetch_page(db, select, sort, page).await
}

/// How many products match `filter`.
#[tracing::instrument(skip(db))]
pub async fn count(db: &impl ConnectionTrait, filter: &ProductFilter) -> Result<u64> {
    Ok(product::Entity::find()
        .filter(filter.condition())
        .count(db)
        .await?)
}

/// Input for a new product.
#[derive(Clone, Debug)]
pub struct NewProduct {
    pub sku: String,
    pub slug: String,
    pub name: String,
    pub category: String,
    pub price_cents: i64,
    pub stock: i32,
}

impl NewProduct {
    /// The product with its text trimmed, once every field is within its domain.
    fn checked(self) -> Result<Self> {
        let sku = validate::text("sku", &self.sku, 64)?;
        let slug = validate::slug(&self.slug)?;
        let name = validate::text("name", &self.name, 200)?;
        let category = validate::text("category", &self.category, 100)?;
        validate::within("priceCents", self.price_cents, 1, MAX_PRICE_CENTS)?;
        validate::within("stock", self.stock, 0, MAX_STOCK)?;
        Ok(Self {
            sku,
            slug,
            name,
            category,
            ..self
        })
    }
}

/// Creates a product.
#[tracing::instrument(skip(db, input), fields(sku = %input.sku))]
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewProduct,
) -> Result<product::Model> {
    viewer.require_admin()?;
    let input = input.checked()?;
    let now = clock::now();
    let txn = db::begin_write(db).await?;
    let product = product::ActiveModel {
        sku: Set(input.sku),
        slug: Set(input.slug),
        name: Set(input.name),
        category: Set(input.category),
        price_cents: Set(input.price_cents),
        stock: Set(input.stock),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| Error::on_unique(e, &["sku", "slug"]))?;
    txn.commit().await?;
    Ok(product)
}

/// Changes to a product; `None` leaves a field as it is. SKU and slug are permanent.
#[derive(Clone, Debug, Default)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub category: Option<String>,
    pub price_cents: Option<i64>,
}

/// Updates a product's name, category or price. Orders keep the price they were placed at.
#[tracing::instrument(skip(db, patch))]
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i32,
    patch: ProductPatch,
) -> Result<product::Model> {
    viewer.require_admin()?;
    let name = patch
        .name
        .as_deref()
        .map(|n| validate::text("name", n, 200))
        .transpose()?;
    let category = patch
        .category
        .as_deref()
        .map(|c| validate::text("category", c, 100))
        .transpose()?;
    if let Some(price) = patch.price_cents {
        validate::within("priceCents", price, 1, MAX_PRICE_CENTS)?;
    }
    let txn = db::begin_write(db).await?;
    let current = get(&txn, id)
        .await?
        .ok_or_else(|| Error::not_found("product", id))?;
    let mut active: product::ActiveModel = current.into();
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(category) = category {
        active.category = Set(category);
    }
    if let Some(price) = patch.price_cents {
        active.price_cents = Set(price);
    }
    active.updated_at = Set(clock::now());
    let product = active.update(&txn).await?;
    txn.commit().await?;
    Ok(product)
}

/// Adds `delta` units (negative removes), in one conditional UPDATE so stock never goes
/// below zero even against concurrent orders.
#[tracing::instrument(skip(db))]
pub async fn adjust_stock(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i32,
    delta: i32,
) -> Result<product::Model> {
    viewer.require_admin()?;
    if delta == 0 {
        return Err(Error::invalid("delta", "must not be 0"));
    }
    // Bounded first, so `stock + delta` cannot overflow a 32-bit column on either database.
    validate::within("delta", delta, -MAX_STOCK, MAX_STOCK)?;
    let txn = db::begin_write(db).await?;
    let changed = product::Entity::update_many()
        .col_expr(
            product::Column::Stock,
            Expr::col(product::Column::Stock).add(delta),
        )
        .col_expr(product::Column::UpdatedAt, Expr::value(clock::now()))
        .filter(product::Column::Id.eq(id))
        .filter(Expr::col(product::Column::Stock).add(delta).gte(0))
        .filter(Expr::col(product::Column::Stock).add(delta).lte(MAX_STOCK))
        .exec(&txn)
        .await?;
    let product = get(&txn, id)
        .await?
        .ok_or_else(|| Error::not_found("product", id))?;
    if changed.rows_affected == 0 {
        return Err(Error::invalid(
            "delta",
            format!(
                "stock must stay between 0 and {MAX_STOCK} ({} in stock, change {delta})",
                product.stock
            ),
        ));
    }
    txn.commit().await?;
    Ok(product)
}

/// Deletes a product no order refers to; one that has been ordered is kept (CONFLICT), since
/// order items are financial records.
#[tracing::instrument(skip(db))]
pub async fn delete(db: &DatabaseConnection, viewer: &Viewer, id: i32) -> Result<product::Model> {
    viewer.require_admin()?;
    let txn = db::begin_write(db).await?;
    let current = get(&txn, id)
        .await?
        .ok_or_else(|| Error::not_found("product", id))?;
    let ordered = order_item::Entity::find()
        .filter(order_item::Column::ProductId.eq(id))
        .count(&txn)
        .await?;
    if ordered > 0 {
        return Err(Error::conflict(
            "id",
            format!("product {id} is in {ordered} order line(s) and cannot be deleted"),
        ));
    }
    product::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(current)
}
