//! `Product`.
use crate::graphql::args::to_id;
use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// A product of the catalog.
pub struct Product(pub Arc<service::product::Model>);

impl From<service::product::Model> for Product {
    fn from(model: service::product::Model) -> Self {
        Self(Arc::new(model))
    }
}

#[Object]
impl Product {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// Stock-keeping unit, unique.
    async fn sku(&self) -> &str {
        &self.0.sku
    }

    /// URL name, unique, `[a-z0-9-]+`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn category(&self) -> &str {
        &self.0.category
    }

    /// Price in integer cents.
    async fn price_cents(&self) -> i64 {
        self.0.price_cents
    }

    /// Units available to order.
    async fn stock(&self) -> i32 {
        self.0.stock
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
