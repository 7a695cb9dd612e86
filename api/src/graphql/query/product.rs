//! `product` and `products`.

use crate::graphql::args::{Kind, parse_id};
use crate::graphql::connection::{Conn, CountOf};
use crate::graphql::engine::direct::Direct;
use crate::graphql::error::{GqlResult, null_on_error};
use crate::graphql::filters::{ProductFilter, ProductSortInput};
use crate::graphql::lists::{ListArgs, list_fields};
use crate::graphql::types::Product;
use async_graphql::{Context, ID, Object, OneofObject};
use service::list::Sort;
use service::products::ProductSort;
use service::{DatabaseConnection, products};

#[derive(Default)]
pub struct ProductQuery;

/// A key that names one product.
#[derive(OneofObject)]
pub enum ProductLookup {
    /// The product's id.
    Id(ID),
    /// The product's URL name, e.g. `enamel-mug`.
    Slug(String),
}

#[Object]
impl ProductQuery {
    /// One product, by its id or by its slug, or null when there is none.
    async fn product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Exactly one of `id` and `slug`.")] by: ProductLookup,
    ) -> Option<Direct<Product>> {
        // Nullable: an error here nulls this field only (see `null_on_error`).
        let found = async {
            let db = ctx.data::<DatabaseConnection>()?;
            let found = match by {
                ProductLookup::Id(id) => {
                    products::get(db, parse_id("by.id", Kind::Product, &id)?).await
                }
                ProductLookup::Slug(slug) => products::by_slug(db, &slug).await,
            };
            Ok(found.gql()?.map(|product| Direct(Product::from(product))))
        }
        .await;
        null_on_error(ctx, found)
    }

    /// The list field `products`, with the arguments every list shares.
    #[graphql(flatten)]
    async fn lists(&self) -> ProductLists<'_> {
        ProductLists(self)
    }
}

list_fields! {
    /// `Query`'s list of products.
    struct ProductLists for ProductQuery {
        /// Products, paged (at most 100 per page), filtered and sorted (by id unless `orderBy`).
        products(ProductFilter, ProductSortInput) -> async_graphql::Result<Conn<Product>>;
    }
}

impl ProductQuery {
    async fn products(
        &self,
        ctx: &Context<'_>,
        list: ListArgs<ProductFilter, ProductSortInput>,
    ) -> async_graphql::Result<Conn<Product>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let list = list.read(Sort::by(ProductSort::Id, false));
        let (filter, sort) = list.checked()?;
        let page = products::list(db, filter, sort, &list.page).await.gql()?;
        list.connection(page, CountOf::Products, Product::from)
    }
}
