//! `product` and `products`.

use crate::graphql::args::{Kind, page_args, parse_id};
use crate::graphql::connection::{Conn, CountOf, connection};
use crate::graphql::engine::direct::Direct;
use crate::graphql::error::{GqlResult, null_on_error};
use crate::graphql::filters::{ProductFilter, ProductSortInput};
use crate::graphql::types::Product;
use async_graphql::{Context, ID, Object, OneofObject};
use service::pagination::Sort;
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

    /// Products, paged (at most 100 per page), filtered and sorted (by id unless `orderBy`).
    #[allow(clippy::too_many_arguments)]
    async fn products(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Rows from the start of the list (after `after` when given): 0 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Rows after this cursor: an edge `cursor` or `pageInfo.endCursor` from this list with the same `orderBy`."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Rows from the end of the list (before `before` when given): 0 to 100; not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Rows before this cursor: an edge `cursor` or `pageInfo.startCursor` from this list with the same `orderBy`."
        )]
        before: Option<String>,
        #[graphql(desc = "Only the rows that match; all given parts must hold.")] filter: Option<
            ProductFilter,
        >,
        #[graphql(
            desc = "How the rows are sorted: by each column in turn (at most 3), then by id."
        )]
        order_by: Option<Vec<ProductSortInput>>,
    ) -> async_graphql::Result<Conn<Product>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let filter = ProductFilter::into_service(filter)?;
        let sort = ProductSortInput::or(order_by, Sort::by(ProductSort::Id, false))?;
        let page = products::list(db, &filter, sort, &page_args(first, after, last, before))
            .await
            .gql()?;
        Ok(connection(
            page,
            CountOf::Products(filter),
            |m| sort.cursor(m),
            Product::from,
        ))
    }
}
