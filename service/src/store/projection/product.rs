//! A product read with only some columns.

use chrono::{DateTime, Utc};
use entity::product;

partial_row! {
    /// A product as a lookup read it: the id, and each other column that was asked for
    /// (`None` means not read, never a value).
    pub struct ProductRow of product {
        always { id: i32 = Id }
        /// A column of a product that a lookup may leave out.
        optional ProductColumn {
            sku: String = Sku,
            slug: String = Slug,
            name: String = Name,
            category: String = Category,
            price_cents: i64 = PriceCents,
            stock: i32 = Stock,
            created_at: DateTime<Utc> = CreatedAt,
            updated_at: DateTime<Utc> = UpdatedAt,
        }
    }
}
