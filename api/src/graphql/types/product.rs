//! `Product`.
use super::SafeInt;
use crate::graphql::args::{Kind, global_id, write_global_id};
use crate::graphql::columns::{self, read};
use crate::graphql::engine::direct::WrittenFields;
use crate::graphql::error::{GqlResult, internal};
use crate::graphql::loaders::{ById, Loaders};
use async_graphql::parser::types::Field;
use async_graphql::{Context, ID, Lookahead, Object};
use chrono::{DateTime, Utc};
use service::rows::{Columns, ProductColumn as C, ProductRow};
use std::sync::Arc;

/// A product of the catalog, as it was read: an order item's `product` reads only the columns
/// behind the fields selected under it, and a field whose column was not read has no value to
/// answer (see `columns::read`).
pub struct Product(Arc<ProductRow>);

impl From<service::product::Model> for Product {
    fn from(model: service::product::Model) -> Self {
        Self(Arc::new(model.into()))
    }
}

impl From<Arc<ProductRow>> for Product {
    fn from(row: Arc<ProductRow>) -> Self {
        Self(row)
    }
}

/// Each field answered from a column, with that column (`id` is always read).
const SOURCES: [(&str, C); 8] = [
    ("sku", C::Sku),
    ("slug", C::Slug),
    ("name", C::Name),
    ("category", C::Category),
    ("priceCents", C::PriceCents),
    ("stock", C::Stock),
    ("createdAt", C::CreatedAt),
    ("updatedAt", C::UpdatedAt),
];

impl Product {
    /// The columns a lookup must read for the selection under `field` (a field of type
    /// `Product`).
    pub fn columns(field: &Lookahead<'_>) -> Columns<C> {
        columns::selected(field, &SOURCES)
    }

    /// The product with id `id`, read with `columns`, which must exist (a foreign key points
    /// at it).
    pub async fn by_id(
        ctx: &Context<'_>,
        id: i32,
        columns: Columns<C>,
    ) -> async_graphql::Result<Self> {
        let loaders = ctx.data::<Loaders>()?;
        let product = loaders
            .product_by_id
            .load_one(ById { id, columns })
            .await
            .gql()?
            .ok_or_else(internal)?;
        Ok(Self(product))
    }
}

impl WrittenFields for Product {
    fn write_field(&self, field: &Field, out: &mut Vec<u8>) -> bool {
        let row = &self.0;
        match field.name.node.as_str() {
            "id" => write_global_id(out, Kind::Product, row.id),
            "databaseId" => super::write_i32(out, Some(row.id)),
            "sku" => super::write_text(out, row.sku.as_deref()),
            "slug" => super::write_text(out, row.slug.as_deref()),
            "name" => super::write_text(out, row.name.as_deref()),
            "category" => super::write_text(out, row.category.as_deref()),
            "priceCents" => super::write_amount(out, row.price_cents),
            "stock" => super::write_i32(out, row.stock),
            _ => false,
        }
    }
}

/// An item of the catalog, with its price and the units in stock. Public.
#[Object]
impl Product {
    /// The product's global id (see `Node`).
    pub async fn id(&self) -> ID {
        global_id(Kind::Product, self.0.id)
    }

    /// The row's number in its table, for logs and admin tools; use `id` everywhere in the
    /// API.
    async fn database_id(&self) -> i32 {
        self.0.id
    }

    /// Stock-keeping unit, unique.
    async fn sku(&self) -> async_graphql::Result<&str> {
        read(self.0.sku.as_deref())
    }

    /// URL name, unique, `[a-z0-9-]+`.
    async fn slug(&self) -> async_graphql::Result<&str> {
        read(self.0.slug.as_deref())
    }

    /// The display name.
    async fn name(&self) -> async_graphql::Result<&str> {
        read(self.0.name.as_deref())
    }

    /// The catalog category, e.g. `kitchen`.
    async fn category(&self) -> async_graphql::Result<&str> {
        read(self.0.category.as_deref())
    }

    /// Price in integer cents.
    async fn price_cents(&self) -> async_graphql::Result<SafeInt> {
        SafeInt::of(read(self.0.price_cents)?)
    }

    /// Units available to order.
    async fn stock(&self) -> async_graphql::Result<i32> {
        read(self.0.stock)
    }

    /// When the product was added.
    async fn created_at(&self) -> async_graphql::Result<DateTime<Utc>> {
        read(self.0.created_at)
    }

    /// When the product last changed (name, price, stock).
    async fn updated_at(&self) -> async_graphql::Result<DateTime<Utc>> {
        read(self.0.updated_at)
    }
}
