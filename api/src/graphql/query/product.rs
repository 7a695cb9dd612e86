//! `product` and `products`.

use crate::graphql::args::{page_args, parse_id};
use crate::graphql::connection::{Conn, CountOf, connection};
use crate::graphql::direct::Direct;
use crate::graphql::error::{GqlResult, bad_input};
use crate::graphql::filters::{ProductFilter, ProductOrder};
use crate::graphql::types::Product;
use async_graphql::{Context, ID, Object};
use service::pagination::Sort;
use service::products::ProductSort;
use service::{DatabaseConnection, products};

#[derive(Default)]
pub struct ProductQuery;

#[Object]
impl ProductQuery {
    /// One product by `id` or by `slug` (exactly one of them), or null when there is none.
    async fn product(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> async_graphql::Result<Option<Direct<Product>>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let found = match (id, slug) {
            (Some(id), None) => products::get(db, parse_id("id", &id)?).await,
            (None, Some(slug)) => products::by_slug(db, &slug).await,
            _ => return Err(bad_input("id", "give exactly one of id and slug")),
        };
        Ok(found.gql()?.map(|product| Direct(Product::from(product))))
    }

    /// Products, paged (at most 100 per page), filtered and sorted (by id unless `orderBy`).
    #[allow(clippy::too_many_arguments)]
    async fn products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<ProductFilter>,
        order_by: Option<ProductOrder>,
    ) -> async_graphql::Result<Conn<Product>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let filter = ProductFilter::into_service(filter)?;
        let sort = ProductOrder::or(
            order_by,
            Sort {
                key: ProductSort::Id,
                desc: false,
            },
        );
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
