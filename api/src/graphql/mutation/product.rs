//! `createProduct`, `updateProduct`, `adjustStock`, `upsertProduct(s)`, `deleteProduct`:
//! admins only.

use crate::graphql::args::{Kind, global_id, parse_id};
use crate::graphql::error::{GqlResult, unexpected};
use crate::graphql::keyed;
use crate::graphql::types::Product;
use crate::graphql::viewer::viewer;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use service::{DatabaseConnection, products};

/// A new product. SKU and slug must be unique; the slug is `[a-z0-9-]+`.
#[derive(InputObject)]
pub struct CreateProductInput {
    /// Stock-keeping unit, unique, 1 to 64 characters.
    pub sku: String,
    /// URL name, unique: lowercase letters, digits and `-`.
    pub slug: String,
    /// The display name, 1 to 200 characters.
    pub name: String,
    /// The catalog category, 1 to 100 characters.
    pub category: String,
    /// Price in integer cents, 1 to 1,000,000,000.
    pub price_cents: i32,
    /// Units in stock, 0 (unless given) to 1,000,000,000.
    #[graphql(default)]
    pub stock: i32,
}

/// Changes to a product; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateProductInput {
    /// A new display name, 1 to 200 characters.
    pub name: Option<String>,
    /// A new category, 1 to 100 characters.
    pub category: Option<String>,
    /// New price in integer cents, 1 to 1,000,000,000; placed orders keep their price.
    pub price_cents: Option<i32>,
}

/// A product to create, or to update if its SKU exists (catalog sync).
#[derive(InputObject)]
pub struct UpsertProductInput {
    /// Stock-keeping unit, 1 to 64 characters: the product to update, or the new one's.
    pub sku: String,
    /// URL name for a new product (`[a-z0-9-]+`, unique); an existing product keeps its own.
    pub slug: String,
    /// The display name, 1 to 200 characters.
    pub name: String,
    /// The catalog category, 1 to 100 characters.
    pub category: String,
    /// Price in integer cents, 1 to 1,000,000,000; placed orders keep their price.
    pub price_cents: i32,
    /// Units in stock, 0 to 1,000,000,000: set when given; kept as it is when omitted (0 for
    /// a new product).
    pub stock: Option<i32>,
}

impl From<UpsertProductInput> for products::ProductUpsert {
    fn from(input: UpsertProductInput) -> Self {
        Self {
            sku: input.sku,
            slug: input.slug,
            name: input.name,
            category: input.category,
            price_cents: i64::from(input.price_cents),
            stock: input.stock,
        }
    }
}

/// What an upsert did with a product.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpsertOutcome {
    /// No product had the SKU: it was created.
    Created,
    /// A product had the SKU: its name, category, price (and stock, when given) were updated.
    Updated,
}

/// One product an upsert wrote, and whether it was created or updated.
#[derive(SimpleObject)]
pub struct ProductUpsertResult {
    /// Created or updated.
    pub outcome: UpsertOutcome,
    /// The product as it now is.
    pub product: Product,
}

impl From<products::Upserted> for ProductUpsertResult {
    fn from(upserted: products::Upserted) -> Self {
        Self {
            outcome: if upserted.created {
                UpsertOutcome::Created
            } else {
                UpsertOutcome::Updated
            },
            product: Product::from(upserted.product),
        }
    }
}

/// Upserts `inputs` in one transaction; or, when an earlier run of this keyed request did,
/// answers with what it wrote.
async fn upsert(
    ctx: &Context<'_>,
    inputs: Vec<UpsertProductInput>,
) -> async_graphql::Result<Vec<ProductUpsertResult>> {
    let db = ctx.data::<DatabaseConnection>()?;
    let written = match keyed::recovered(ctx) {
        Some(outcome) => products::upserted_before(db, &outcome.0).await.gql()?,
        None => {
            let inputs = inputs.into_iter().map(Into::into).collect();
            products::upsert(db, &viewer(ctx), inputs, keyed::attempt(ctx))
                .await
                .gql()?
        }
    };
    Ok(written.into_iter().map(Into::into).collect())
}

#[derive(Default)]
pub struct ProductMutation;

#[Object]
impl ProductMutation {
    /// Adds a product to the catalog. Duplicate sku or slug → CONFLICT naming the field.
    async fn create_product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new product.")] input: CreateProductInput,
    ) -> async_graphql::Result<Product> {
        let db = ctx.data::<DatabaseConnection>()?;
        let new = products::NewProduct {
            sku: input.sku,
            slug: input.slug,
            name: input.name,
            category: input.category,
            price_cents: i64::from(input.price_cents),
            stock: input.stock,
        };
        Ok(Product::from(
            products::create(db, &viewer(ctx), new).await.gql()?,
        ))
    }

    /// Changes a product's name, category or price.
    async fn update_product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The product to change.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateProductInput,
    ) -> async_graphql::Result<Product> {
        let id = parse_id("id", Kind::Product, &id)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let patch = products::ProductPatch {
            name: input.name,
            category: input.category,
            price_cents: input.price_cents.map(i64::from),
        };
        Ok(Product::from(
            products::update(db, &viewer(ctx), id, patch).await.gql()?,
        ))
    }

    /// Adds (or, negative, removes) units of stock; stock stays between 0 and 1,000,000,000.
    async fn adjust_stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The product whose stock changes.")] product_id: ID,
        #[graphql(
            desc = "Units to add (positive) or remove (negative), −1,000,000,000 to 1,000,000,000."
        )]
        delta: i32,
    ) -> async_graphql::Result<Product> {
        let id = parse_id("productId", Kind::Product, &product_id)?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(Product::from(
            products::adjust_stock(db, &viewer(ctx), id, delta)
                .await
                .gql()?,
        ))
    }

    /// Creates the product, or updates it if its SKU exists, in one statement: what a catalog
    /// sync needs, with no race against other writers. Says which of the two happened.
    /// Admins only. A new product whose slug is taken → CONFLICT on `slug`.
    ///
    /// Takes an `Idempotency-Key` header: a retry with the same key and body gets the first
    /// response back (with `Idempotency-Replayed: true`) and writes nothing.
    async fn upsert_product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The product, found by its SKU.")] input: UpsertProductInput,
    ) -> async_graphql::Result<ProductUpsertResult> {
        upsert(ctx, vec![input]).await?.pop().ok_or_else(|| {
            unexpected(&service::Error::Invariant {
                what: "an upsert answered nothing",
            })
        })
    }

    /// `upsertProduct` for many products (1 to 500) in one transaction: all are written or,
    /// if any input breaks a rule (named as `inputs[3].priceCents`), none. Answers in the
    /// inputs' order, each with its outcome. A SKU may appear once per call. Admins only.
    ///
    /// Takes an `Idempotency-Key` header: a retry with the same key and body gets the first
    /// response back (with `Idempotency-Replayed: true`) and writes nothing.
    async fn upsert_products(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The products, each found by its SKU: 1 to 500 of them.")] inputs: Vec<
            UpsertProductInput,
        >,
    ) -> async_graphql::Result<Vec<ProductUpsertResult>> {
        upsert(ctx, inputs).await
    }

    /// Deletes a product that no order refers to (otherwise CONFLICT); returns its id.
    async fn delete_product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The product to delete.")] id: ID,
    ) -> async_graphql::Result<ID> {
        let id = parse_id("id", Kind::Product, &id)?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(global_id(
            Kind::Product,
            products::delete(db, &viewer(ctx), id).await.gql()?.id,
        ))
    }
}
