//! Relay connections: building them from service pages, with a `totalCount` that is only
//! counted when a client asks for it.

use super::engine::connection::DirectConnection;
use super::engine::direct::{Direct, WrittenFields};
use super::error::GqlResult;
use super::loaders::{ChildCountKey, Loaders};
use super::viewer::viewer;
use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{ContainerType, Context, Object};
use service::list::{Cursor, Page};
use service::{DatabaseConnection, orders, points, posts, products, users};

/// What `totalCount` counts: the same filter as the page, without paging. A root list's
/// filter is boxed: it is one per request, where a nested list's key is one per parent and
/// would otherwise carry the size of the largest filter.
#[derive(Clone, Debug)]
pub enum CountOf {
    Users(Box<users::UserFilter>),
    Posts(Box<posts::PostFilter>),
    Products(Box<products::ProductFilter>),
    Orders(Box<orders::OrderFilter>),
    PostsOfAuthor(ChildCountKey<posts::PostFilter>),
    OrdersOfCustomer(ChildCountKey<orders::OrderFilter>),
    PointsOfUser(ChildCountKey<points::PointFilter>),
}

/// Fields every connection has besides edges, nodes and pageInfo.
pub struct ListTotal(pub CountOf);

#[Object]
impl ListTotal {
    /// Number of items matching the filter across all pages (one extra statement, or one per
    /// batch of parents for nested lists, run only when this field is selected).
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let db = ctx.data::<DatabaseConnection>()?;
        let viewer = viewer(ctx);
        let count = match &self.0 {
            CountOf::Users(f) => users::count(db, &viewer, f).await,
            CountOf::Posts(f) => posts::count(db, &viewer, f).await,
            CountOf::Products(f) => products::count(db, f).await,
            CountOf::Orders(f) => orders::count(db, &viewer, f).await,
            CountOf::PostsOfAuthor(key) => {
                let loaders = ctx.data::<Loaders>()?;
                return Ok(loaders
                    .post_count_by_author
                    .load_one(key.clone())
                    .await
                    .gql()?
                    .unwrap_or(0));
            }
            CountOf::OrdersOfCustomer(key) => {
                let loaders = ctx.data::<Loaders>()?;
                return Ok(loaders
                    .order_count_by_customer
                    .load_one(key.clone())
                    .await
                    .gql()?
                    .unwrap_or(0));
            }
            CountOf::PointsOfUser(key) => {
                let loaders = ctx.data::<Loaders>()?;
                return Ok(loaders
                    .point_count_by_user
                    .load_one(key.clone())
                    .await
                    .gql()?
                    .unwrap_or(0));
            }
        };
        count.gql()
    }
}

/// An edge's cursor: a position that is only encoded when a client selects `cursor` (or
/// `pageInfo`'s), not for every row of every page.
pub struct EdgeCursor(Cursor);

impl CursorType for EdgeCursor {
    type Error = service::Error;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        Cursor::parse(s).map(Self)
    }

    fn encode_cursor(&self) -> String {
        self.0.encode()
    }
}

/// A connection whose cursors are opaque strings, its nodes resolved directly (see
/// [`Direct`]) and written directly in flat documents (see [`DirectConnection`]).
pub type Conn<N> = DirectConnection<EdgeCursor, N, ListTotal>;

/// Turns a service page into a connection; `edge` gives each row's cursor and wraps the row
/// in its GraphQL type.
pub fn connection<M, N: ContainerType + WrittenFields>(
    page: Page<M>,
    count: CountOf,
    edge: impl Fn(M) -> (Cursor, N),
) -> Conn<N> {
    let mut conn =
        Connection::with_additional_fields(page.has_prev, page.has_next, ListTotal(count));
    conn.edges = page
        .items
        .into_iter()
        .map(|m| {
            let (cursor, node) = edge(m);
            Edge::new(EdgeCursor(cursor), Direct(node))
        })
        .collect();
    DirectConnection(conn)
}
