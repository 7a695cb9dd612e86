//! `order` and `orders`.

use crate::graphql::args::{Kind, parse_id};
use crate::graphql::connection::{Conn, CountOf};
use crate::graphql::error::{GqlResult, null_on_error};
use crate::graphql::filters::{OrderFilter, OrderSortInput};
use crate::graphql::lists::{ListArgs, list_fields};
use crate::graphql::types::{Lookups, Order};
use crate::graphql::viewer::viewer;
use async_graphql::{Context, ID, Object};
use service::list::Sort;
use service::orders::OrderSort;
use service::{DatabaseConnection, orders};

#[derive(Default)]
pub struct OrderQuery;

#[Object]
impl OrderQuery {
    /// One order, or null when there is none with this id that the caller may see (their
    /// own; admins see all). Sign in first.
    async fn order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order's id.")] id: ID,
    ) -> Option<Order> {
        // Nullable: an error here nulls this field only (see `null_on_error`).
        let found = async {
            let id = parse_id("id", Kind::Order, &id)?;
            let db = ctx.data::<DatabaseConnection>()?;
            Ok(orders::find(db, &viewer(ctx), id)
                .await
                .gql()?
                .map(Order::from))
        }
        .await;
        null_on_error(ctx, found)
    }

    /// The list field `orders`, with the arguments every list shares.
    #[graphql(flatten)]
    async fn lists(&self) -> OrderLists<'_> {
        OrderLists(self)
    }
}

list_fields! {
    /// `Query`'s list of orders.
    struct OrderLists for OrderQuery {
        /// Orders, paged (at most 100 per page), filtered and sorted (by id unless `orderBy`):
        /// the caller's own, or everyone's for admins. Sign in first.
        orders(OrderFilter, OrderSortInput) -> async_graphql::Result<Conn<Order>>;
    }
}

impl OrderQuery {
    async fn orders(
        &self,
        ctx: &Context<'_>,
        list: ListArgs<OrderFilter, OrderSortInput>,
    ) -> async_graphql::Result<Conn<Order>> {
        let db = ctx.data::<DatabaseConnection>()?;
        // Read here, refused (if malformed) only once the caller is signed in.
        let list = list.read(Sort::by(OrderSort::Id, false));
        let (filter, sort) = (list.filter.as_ref(), list.sort.as_ref().copied());
        let page = orders::list(db, &viewer(ctx), filter, sort, &list.page)
            .await
            .gql()?;
        let mut conn = list.connection(page, CountOf::Orders, Order::from)?;
        Order::prefetch(ctx, &ctx.look_ahead(), &mut conn, Lookups::Service).await?;
        Ok(conn)
    }
}
