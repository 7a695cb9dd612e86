//! `User`, with its nested lists (posts, orders, ledger) paged per user in one statement.

use super::SafeInt;
use super::enums::{Tier, UserStatus};
use super::{Lookups, Order, PointTransaction, Post, Role};
use crate::graphql::args::{Kind, global_id, write_global_id};
use crate::graphql::columns::{self, read};
use crate::graphql::connection::{Conn, CountOf, connection};
use crate::graphql::engine::direct::{Boxed, WrittenFields};
use crate::graphql::error::{GqlResult, internal, null_on_error};
use crate::graphql::filters::{
    FilterInput, OrderFilter, OrderSortInput, PointTransactionFilter, PointTransactionSortInput,
    PostFilter, PostSortInput, SortInput,
};
use crate::graphql::lists::{ListArgs, list_fields};
use crate::graphql::loaders::{
    ById, ChildCountKey, ChildPageKey, Loaders, PageShape, ReadBy, Shared, Uncached,
};
use crate::graphql::viewer::viewer;
use async_graphql::ContainerType;
use async_graphql::dataloader::Loader;
use async_graphql::parser::types::Field;
use async_graphql::{Context, ID, Lookahead, Object};
use chrono::{DateTime, Utc};
use service::access::Viewer;
use service::list::{Cursor, Page, Sort, SortKey};
use service::orders::OrderSort;
use service::points::NEWEST_FIRST;
use service::posts::PostSort;
use service::rows::{Columns, UserColumn as C, UserRow};
use std::hash::Hash;
use std::sync::Arc;

/// A customer or staff member (who may read which field: the `#[Object]` description below),
/// as they were read: lookups for one nested field (an order's `customer`) read only the
/// columns behind the fields selected under it, and a field whose column was not read has no
/// value to answer (see `columns::read`).
pub struct User(Arc<UserRow>, Disclosure);

/// Who may read a `User`'s private fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Disclosure {
    /// The user themself and admins, as the request's credentials say.
    ByViewer,
    /// The one who just proved to be this user (signup and login answer before the client
    /// holds a token).
    Owner,
}

impl From<service::user::Model> for User {
    fn from(model: service::user::Model) -> Self {
        Self::from(Arc::new(UserRow::from(model)))
    }
}

impl From<Arc<UserRow>> for User {
    fn from(row: Arc<UserRow>) -> Self {
        Self(row, Disclosure::ByViewer)
    }
}

/// Each field answered from a column, with that column (`id` is always read).
const SOURCES: [(&str, C); 9] = [
    ("name", C::Name),
    ("email", C::Email),
    ("status", C::Status),
    ("cardNumber", C::CardNumber),
    ("pointsBalance", C::PointsBalance),
    ("tier", C::Tier),
    ("lifetimePoints", C::LifetimePoints),
    ("createdAt", C::CreatedAt),
    ("updatedAt", C::UpdatedAt),
];

impl User {
    /// The user, shown in full to the caller who just signed in as them.
    pub fn signed_in(model: service::user::Model) -> Self {
        Self(Arc::new(model.into()), Disclosure::Owner)
    }

    /// The columns a lookup must read for the selection under `field` (a field of type
    /// `User`). The password hash is never one of them.
    pub fn columns(field: &Lookahead<'_>) -> Columns<C> {
        columns::selected(field, &SOURCES)
    }

    /// The user with id `id`, read with `columns`, who must exist (a foreign key points at
    /// them).
    pub async fn by_id(
        ctx: &Context<'_>,
        id: i32,
        columns: Columns<C>,
    ) -> async_graphql::Result<Self> {
        Self::find(ctx, id, columns).await?.ok_or_else(internal)
    }

    /// The user with id `id`, if any, read with `columns`.
    pub async fn find(
        ctx: &Context<'_>,
        id: i32,
        columns: Columns<C>,
    ) -> async_graphql::Result<Option<Self>> {
        let loaders = ctx.data::<Loaders>()?;
        let user = loaders
            .user_by_id
            .load_one(ById { id, columns })
            .await
            .gql()?;
        Ok(user.map(Self::from))
    }

    /// `totalSpentCents` for callers who may see it.
    async fn total_spent(&self, ctx: &Context<'_>) -> async_graphql::Result<SafeInt> {
        self.allowed(ctx)?;
        let loaders = ctx.data::<Loaders>()?;
        SafeInt::of(
            loaders
                .spent_by_customer
                .load_one(self.read_by(ctx))
                .await
                .gql()?
                .unwrap_or(0),
        )
    }

    /// `roles` for callers who may see them.
    async fn roles_of(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Role>> {
        self.allowed(ctx)?;
        let loaders = ctx.data::<Loaders>()?;
        let roles = loaders
            .roles_by_user
            .load_one(self.read_by(ctx))
            .await
            .gql()?
            .unwrap_or_default();
        Ok(roles.into_iter().map(Role).collect())
    }

    /// The caller this user's private rows are read for: the user themself when they just
    /// signed in with this request, the request's caller otherwise.
    fn reader(&self, ctx: &Context<'_>) -> Viewer {
        match self.1 {
            Disclosure::Owner => Viewer::user(self.0.id, false),
            Disclosure::ByViewer => viewer(ctx),
        }
    }

    /// This user's private rows, read for [`Self::reader`].
    fn read_by(&self, ctx: &Context<'_>) -> ReadBy {
        ReadBy {
            user: self.0.id,
            reader: self.reader(ctx),
        }
    }

    /// Lets private fields through for those the service shows them to (and to the owner
    /// who just signed in).
    fn allowed(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        if self.1 != Disclosure::Owner {
            service::users::private_fields(&viewer(ctx), self.0.id).gql()?;
        }
        Ok(())
    }

    /// A private field's `value`, as it was read. Private fields are nullable, so refusing
    /// one nulls only that field, never the public `User` around it.
    fn private<T>(&self, ctx: &Context<'_>, value: Option<T>) -> Option<T> {
        let read = self.allowed(ctx).and_then(|()| read(value));
        null_on_error(ctx, read.map(Some))
    }
}

/// Public fields only: a private one needs the request's caller.
impl WrittenFields for User {
    fn write_field(&self, field: &Field, out: &mut Vec<u8>) -> bool {
        match field.name.node.as_str() {
            "id" => write_global_id(out, Kind::User, self.0.id),
            "databaseId" => super::write_i32(out, Some(self.0.id)),
            "name" => super::write_text(out, self.0.name.as_deref()),
            _ => false,
        }
    }
}

/// A customer or staff member. `id`, `name`, `tier` and published `posts` are public; every
/// other field is for the user themself and admins: for anyone else it is null, with an
/// error at its path (FORBIDDEN, or UNAUTHENTICATED when not signed in), and the rest of the
/// user is still answered.
#[Object]
impl User {
    /// The user's global id (see `Node`).
    pub async fn id(&self) -> ID {
        global_id(Kind::User, self.0.id)
    }

    /// The row's number in its table, for logs and admin tools; use `id` everywhere in the
    /// API.
    async fn database_id(&self) -> i32 {
        self.0.id
    }

    /// The sign-in email, unique ignoring case. Private.
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        self.private(ctx, self.0.email.as_deref())
    }

    /// The display name. Public.
    async fn name(&self) -> async_graphql::Result<&str> {
        read(self.0.name.as_deref())
    }

    /// Whether the account may be used. Private.
    async fn status(&self, ctx: &Context<'_>) -> Option<UserStatus> {
        self.private(ctx, self.0.status.map(Into::into))
    }

    /// Loyalty card number, e.g. `LC-000042`.
    async fn card_number(&self, ctx: &Context<'_>) -> Option<&str> {
        self.private(ctx, self.0.card_number.as_deref())
    }

    /// Loyalty points available; always the sum of the user's point transactions.
    async fn points_balance(&self, ctx: &Context<'_>) -> Option<SafeInt> {
        let balance = self.private(ctx, self.0.points_balance)?;
        null_on_error(ctx, SafeInt::of(balance).map(Some))
    }

    /// The loyalty tier. Public.
    async fn tier(&self) -> async_graphql::Result<Tier> {
        read(self.0.tier.map(Into::into))
    }

    /// Points earned over the account's life, net of cancelled orders; decides the tier
    /// (silver from 1,000, gold from 5,000, platinum from 20,000).
    async fn lifetime_points(&self, ctx: &Context<'_>) -> Option<SafeInt> {
        let points = self.private(ctx, self.0.lifetime_points)?;
        null_on_error(ctx, SafeInt::of(points).map(Some))
    }

    /// Sum of the totals of the user's orders that were not cancelled, in integer cents.
    async fn total_spent_cents(&self, ctx: &Context<'_>) -> Option<SafeInt> {
        null_on_error(ctx, self.total_spent(ctx).await.map(Some))
    }

    /// The user's roles, by name.
    async fn roles(&self, ctx: &Context<'_>) -> Option<Vec<Role>> {
        null_on_error(ctx, self.roles_of(ctx).await.map(Some))
    }

    /// When the account was created. Private.
    async fn created_at(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        self.private(ctx, self.0.created_at)
    }

    /// When the account last changed. Private.
    async fn updated_at(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        self.private(ctx, self.0.updated_at)
    }

    /// The list fields `posts`, `orders` and `pointTransactions`, with the arguments every list shares.
    #[graphql(flatten)]
    async fn lists(&self) -> Boxed<UserChildLists<'_>> {
        Boxed(UserChildLists(self))
    }
}

list_fields! {
    /// A user's posts, orders and ledger.
    struct UserChildLists for User {
        /// The user's posts, newest first unless `orderBy` says otherwise: published ones, and
        /// drafts too for the user themself and admins.
        posts(PostFilter, PostSortInput) -> async_graphql::Result<Conn<Post>>;
        /// The user's orders; newest first unless `orderBy` says otherwise.
        orders(OrderFilter, OrderSortInput) -> Option<Conn<Order>>;
        /// The user's loyalty ledger, newest first unless `orderBy` says otherwise.
        point_transactions(PointTransactionFilter, PointTransactionSortInput) -> Option<Conn<PointTransaction>>;
    }
}

impl User {
    async fn posts(
        &self,
        ctx: &Context<'_>,
        list: ListArgs<PostFilter, PostSortInput>,
    ) -> async_graphql::Result<Conn<Post>> {
        let loaders = ctx.data::<Loaders>()?;
        let shape = loaders
            .post_shapes
            .get_or_make(ctx.item, || -> async_graphql::Result<_> {
                let filter = PostFilter::into_service(list.filter)?;
                let sort = PostSortInput::or(list.order_by, Sort::by(PostSort::CreatedAt, true))?;
                let columns = Post::columns(&ctx.look_ahead());
                Ok(Shared::new(PageShape {
                    // Public rows: which drafts show is the request's caller's business, whoever
                    // this user is.
                    reader: viewer(ctx),
                    filter: Shared::new(filter),
                    sort,
                    page: list.page,
                    columns,
                }))
            })?;
        let by_author = &loaders.posts_by_author;
        Box::pin(child_connection(
            by_author,
            self.0.id,
            shape,
            CountOf::PostsOfAuthor,
            // The cursor made as the row was read: the row keeps only the selected columns.
            |_, post| (post.cursor, Post::by(post.row, &self.0)),
        ))
        .await
    }

    async fn orders(
        &self,
        ctx: &Context<'_>,
        list: ListArgs<OrderFilter, OrderSortInput>,
    ) -> Option<Conn<Order>> {
        let result = async {
            self.allowed(ctx)?;
            let loaders = ctx.data::<Loaders>()?;
            let filter = OrderFilter::into_service(list.filter)?;
            let sort = OrderSortInput::or(list.order_by, Sort::by(OrderSort::CreatedAt, true))?;
            let shape = Shared::new(PageShape {
                reader: self.reader(ctx),
                filter: Shared::new(filter),
                sort,
                page: list.page,
                columns: (),
            });
            let by_customer = &loaders.orders_by_customer;
            Box::pin(async move {
                let mut conn = child_connection(
                    by_customer,
                    self.0.id,
                    shape,
                    CountOf::OrdersOfCustomer,
                    |sort, order| (sort.cursor(&order), Order::from(order)),
                )
                .await?;
                Order::prefetch(ctx, &ctx.look_ahead(), &mut conn, Lookups::Loaders).await?;
                Ok(Some(conn))
            })
            .await
        };
        null_on_error(ctx, result.await)
    }

    async fn point_transactions(
        &self,
        ctx: &Context<'_>,
        list: ListArgs<PointTransactionFilter, PointTransactionSortInput>,
    ) -> Option<Conn<PointTransaction>> {
        let result = async {
            self.allowed(ctx)?;
            let loaders = ctx.data::<Loaders>()?;
            let filter = PointTransactionFilter::into_service(list.filter)?;
            let shape = Shared::new(PageShape {
                reader: self.reader(ctx),
                filter: Shared::new(filter),
                sort: PointTransactionSortInput::or(list.order_by, NEWEST_FIRST)?,
                page: list.page,
                columns: (),
            });
            let by_user = &loaders.points_by_user;
            Box::pin(child_connection(
                by_user,
                self.0.id,
                shape,
                CountOf::PointsOfUser,
                |sort, entry| (sort.cursor(&entry), PointTransaction(entry)),
            ))
            .await
            .map(Some)
        };
        null_on_error(ctx, result.await)
    }
}

/// One page of a user's children through their loader, as a connection whose `totalCount`
/// (counted only when asked for) uses the same filter.
///
/// Callers box it: the list fields are resolved by one future type, as large as the largest
/// field's, and this one made it 3.7 KB for each of them (the group itself is boxed into
/// `User`, see `graphql::engine::direct::Boxed`).
///
/// `edge` makes a row's cursor in the list's order ([`Sort::cursor`] for whole models, the
/// one made as it was read for rows read with some columns, [`service::list::Positioned`])
/// and wraps the row in its GraphQL type.
async fn child_connection<K, F, C, L, M, N>(
    loader: &Uncached<L>,
    parent: i32,
    shape: Shared<PageShape<F, Sort<K>, C>>,
    count: fn(ChildCountKey<F>) -> CountOf,
    edge: impl Fn(&Sort<K>, M) -> (Cursor, N),
) -> async_graphql::Result<Conn<N>>
where
    K: SortKey,
    F: Clone + Hash + Eq + Send + Sync + 'static,
    C: Clone + Hash + Eq + Send + Sync + 'static,
    L: Loader<ChildPageKey<F, Sort<K>, C>, Value = Arc<Page<M>>, Error = Arc<service::Error>>,
    M: Clone,
    N: ContainerType + WrittenFields,
{
    let (filter, sort, reader) = (shape.filter.clone(), shape.sort, shape.reader);
    let key = ChildPageKey { parent, shape };
    let page = match loader.load_one(key).await.gql()? {
        // The only holder once its batch is done, so this moves the rows out.
        Some(page) => Arc::unwrap_or_clone(page),
        None => Page {
            items: Vec::new(),
            has_next: false,
            has_prev: false,
        },
    };
    let count = count(ChildCountKey {
        parent,
        filter,
        reader,
    });
    Ok(connection(page, count, |m| edge(&sort, m)))
}
