//! `order` and `orders`.

use crate::graphql::args::{page_args, parse_id};
use crate::graphql::connection::{Conn, CountOf, connection};
use crate::graphql::error::GqlResult;
use crate::graphql::filters::{OrderFilter, OrderOrder};
use crate::graphql::types::Order;
use async_graphql::{Context, ID, Object};
use service::orders::OrderSort;
use service::pagination::Sort;
use service::{DatabaseConnection, orders};

#[derive(Default)]
pub struct OrderQuery;

#[Object]
impl OrderQuery {
    /// One order, or null when there is none with this id.
    async fn order(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Order>> {
        let id = parse_id("id", &id)?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(orders::get(db, id).await.gql()?.map(Order))
    }

    /// Orders, paged (at most 100 per page), filtered and sorted (by id unless `orderBy`).
    #[allow(clippy::too_many_arguments)]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<OrderFilter>,
        order_by: Option<OrderOrder>,
    ) -> async_graphql::Result<Conn<Order>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let filter = OrderFilter::into_service(filter)?;
        let sort = OrderOrder::or(order_by, Sort { key: OrderSort::Id, desc: false });
        let page = orders::list(db, &filter, sort, &page_args(first, after, last, before)).await.gql()?;
        Ok(connection(page, CountOf::Orders(filter), |m| sort.cursor(m), Order))
    }
}
