//! `createProduct`, `updateProduct`, `adjustStock`, `deleteProduct`: admins only.

use crate::graphql::args::{Kind, global_id, parse_id};
use crate::graphql::error::GqlResult;
use crate::graphql::types::Product;
use crate::graphql::viewer::viewer;
use async_graphql::{Context, ID, InputObject, Object};
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
