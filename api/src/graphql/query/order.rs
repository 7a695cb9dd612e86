//! `order` and `orders`.

use crate::graphql::args::{Kind, page_args, parse_id};
use crate::graphql::connection::{Conn, CountOf, connection};
use crate::graphql::error::{GqlResult, null_on_error};
use crate::graphql::filters::{OrderFilter, OrderSortInput};
use crate::graphql::types::Order;
use crate::graphql::viewer::viewer;
use async_graphql::{Context, ID, Object};
use service::orders::OrderSort;
use service::pagination::Sort;
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

    /// Orders, paged (at most 100 per page), filtered and sorted (by id unless `orderBy`):
    /// the caller's own, or everyone's for admins. Sign in first.
    #[allow(clippy::too_many_arguments)]
    async fn orders(
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
            OrderFilter,
        >,
        #[graphql(
            desc = "How the rows are sorted: by each column in turn (at most 3), then by id."
        )]
        order_by: Option<Vec<OrderSortInput>>,
    ) -> async_graphql::Result<Conn<Order>> {
        let db = ctx.data::<DatabaseConnection>()?;
        // Read here, refused (if malformed) only once the caller is signed in.
        let filter = OrderFilter::into_service(filter);
        let sort = OrderSortInput::or(order_by, Sort::by(OrderSort::Id, false));
        let args = page_args(first, after, last, before);
        let page = orders::list(
            db,
            &viewer(ctx),
            filter.as_ref(),
            sort.as_ref().copied(),
            &args,
        )
        .await
        .gql()?;
        let (filter, sort) = (filter?, sort?);
        let mut conn = connection(
            page,
            CountOf::Orders(filter),
            |m| sort.cursor(m),
            Order::from,
        );
        Order::prefetch(ctx, &ctx.look_ahead(), &mut conn).await?;
        Ok(conn)
    }
}
