//! DataLoaders: one per relation, each calling one service function that fetches every key of
//! a batch in one statement. They are created per request, so their caches never serve one
//! request's data to another.

use super::engine::batching::BatchSpawner;
use async_graphql::dataloader::{CacheFactory, DataLoader, HashMapCache, Loader, NoCache};
use service::access::Viewer;
use service::list::{Page, PageArgs, Positioned, Sort};
use service::rows::{Columns, PostColumn, PostRow, ProductColumn, ProductRow, UserColumn, UserRow};
use service::{DatabaseConnection, order, order_item, point_transaction, role};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<service::Error>>;

/// A row by id, read with only `columns` (see `service::rows`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ById<C> {
    pub id: i32,
    pub columns: C,
}

/// Declares a loader of partial rows by id through a service `rows_by_ids(db, ids, columns)`
/// function.
macro_rules! by_id_loader {
    ($name:ident, $column:ty, $row:ty, $fetch:path) => {
        #[doc = concat!("Loads `", stringify!($row), "`s by id, shared: one row is often")]
        #[doc = "asked for many times in a request (the author of every post), and each answer"]
        #[doc = "is a clone of the cached value. Keys that ask for the same columns are read"]
        #[doc = "in one statement."]
        pub struct $name(DatabaseConnection);

        impl Loader<ById<Columns<$column>>> for $name {
            type Value = Arc<$row>;
            type Error = Arc<service::Error>;

            async fn load(
                &self,
                keys: &[ById<Columns<$column>>],
            ) -> LoadResult<ById<Columns<$column>>, Self::Value> {
                let mut out = HashMap::with_capacity(keys.len());
                for (columns, ids) in group_by_shape(keys, |k| (k.columns, k.id)) {
                    for row in $fetch(&self.0, &ids, columns).await.map_err(Arc::new)? {
                        out.insert(
                            ById {
                                id: row.id,
                                columns,
                            },
                            Arc::new(row),
                        );
                    }
                }
                Ok(out)
            }
        }
    };
}

by_id_loader!(UserById, UserColumn, UserRow, service::users::rows_by_ids);
by_id_loader!(
    ProductById,
    ProductColumn,
    ProductRow,
    service::products::rows_by_ids
);

/// Loads orders by id (whole rows).
pub struct OrderById(DatabaseConnection);

impl Loader<i32> for OrderById {
    type Value = Arc<order::Model>;
    type Error = Arc<service::Error>;

    async fn load(&self, keys: &[i32]) -> LoadResult<i32, Self::Value> {
        let rows = service::orders::by_ids(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows
            .into_iter()
            .map(|row| (row.id, Arc::new(row)))
            .collect())
    }
}

/// Loads every item of orders by order id.
pub struct ItemsByOrder(DatabaseConnection);

impl Loader<i32> for ItemsByOrder {
    type Value = Vec<order_item::Model>;
    type Error = Arc<service::Error>;

    async fn load(&self, keys: &[i32]) -> LoadResult<i32, Self::Value> {
        service::orders::items_by_orders(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

/// Declares a loader of one value per user, read for the caller each key names ([`ReadBy`]):
/// one call of `$fetch(db, reader, user_ids)` per reader.
macro_rules! private_loader {
    ($(#[$doc:meta])* $name:ident: $value:ty = $fetch:path) => {
        $(#[$doc])*
        pub struct $name(DatabaseConnection);

        impl Loader<ReadBy> for $name {
            type Value = $value;
            type Error = Arc<service::Error>;

            async fn load(&self, keys: &[ReadBy]) -> LoadResult<ReadBy, Self::Value> {
                let mut out = HashMap::with_capacity(keys.len());
                for (reader, users) in ReadBy::groups(keys) {
                    let rows = $fetch(&self.0, &reader, &users).await;
                    out.extend(ReadBy::each(reader, rows.map_err(Arc::new)?));
                }
                Ok(out)
            }
        }
    };
}

private_loader!(
    /// Loads what customers have spent (orders not cancelled), by customer id.
    SpentByCustomer: i64 = service::orders::spent_by_customers
);
private_loader!(
    /// Loads the roles of users by user id.
    RolesByUser: Vec<role::Model> = service::roles::by_users
);

/// A user's private row, and the caller it is read for: the request's, or the user themself
/// when they just signed in within it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReadBy {
    pub user: i32,
    pub reader: Viewer,
}

impl ReadBy {
    /// The users of `keys` by reader: one service call each (a request has one reader, or two
    /// while it signs a user in).
    fn groups(keys: &[ReadBy]) -> HashMap<Viewer, Vec<i32>> {
        group_by_shape(keys, |k| (k.reader, k.user))
    }

    /// Each user's row, keyed for `reader`.
    fn each<V>(reader: Viewer, rows: HashMap<i32, V>) -> impl Iterator<Item = (ReadBy, V)> {
        rows.into_iter()
            .map(move |(user, v)| (ReadBy { user, reader }, v))
    }
}

/// A value hashed once and shared by reference.
///
/// Loader keys are hashed several times each on their way through a DataLoader (its pending
/// set, its cache, the batch's answer), and a filter is a struct of many optional
/// comparisons: hashing the same filter again for each of 50 parents' keys was 3 % of the
/// nested posts page's profile. Every key of one list field shares one `Shared` instead.
#[derive(Clone, Debug)]
pub struct Shared<T> {
    hash: u64,
    value: Arc<T>,
}

impl<T: Hash> Shared<T> {
    pub fn new(value: T) -> Self {
        // One fixed hasher for all: equal values must get equal hashes across keys.
        let mut hasher = std::hash::DefaultHasher::new();
        value.hash(&mut hasher);
        let hash = std::hash::Hasher::finish(&hasher);
        Self {
            hash,
            value: Arc::new(value),
        }
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.value, &other.value)
            || (self.hash == other.hash && *self.value == *other.value)
    }
}

impl<T: Eq> Eq for Shared<T> {}

impl<T> Hash for Shared<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// What each list field of the request's document pages its children by, made once for all
/// the parents the field is resolved under (50 users' `posts` share one). A field's shape
/// depends only on the field (its arguments, the selection under it) and the request's
/// caller, so it is keyed by the field's node in the document, which outlives the request's
/// loaders. Making it again for each parent, its filter hashed each time, was 3 % of the nested
/// posts page's instructions.
///
/// Only loaders that serve one document keep shapes ([`Self::per_request`]): a WebSocket
/// connection's serve many, one after another, and a later document's field may take a freed
/// one's address.
pub struct FieldShapes<T>(Option<std::sync::Mutex<HashMap<usize, T>>>);

impl<T: Clone> FieldShapes<T> {
    /// Shapes kept for the fields of the one document these loaders serve.
    pub fn per_request() -> Self {
        Self(Some(std::sync::Mutex::default()))
    }

    /// No shape kept: each is made where it is needed.
    pub fn unkept() -> Self {
        Self(None)
    }

    /// The shape of `field`, made by `make` the first time it is asked for (a refusal is not
    /// kept: each parent meets it again, as it would have).
    pub fn get_or_make<E>(
        &self,
        field: &async_graphql::Positioned<async_graphql::parser::types::Field>,
        make: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        let Some(kept) = &self.0 else {
            return make();
        };
        // A map of shapes is whole after any panic.
        let lock = || kept.lock().unwrap_or_else(|e| e.into_inner());
        let key = std::ptr::from_ref(field) as usize;
        if let Some(shape) = lock().get(&key) {
            return Ok(shape.clone());
        }
        let shape = make()?;
        lock().insert(key, shape.clone());
        Ok(shape)
    }
}

/// Everything that shapes a page of children but the parent: which rows, in which order,
/// and which of their columns (`()` where a relation always reads all of them).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageShape<F, S, C = ()> {
    /// The caller the rows are read for (see [`ReadBy`]).
    pub reader: Viewer,
    pub filter: Shared<F>,
    pub sort: S,
    pub page: PageArgs,
    pub columns: C,
}

/// How a user's posts are paged.
pub type PostShape =
    PageShape<service::posts::PostFilter, Sort<service::posts::PostSort>, Columns<PostColumn>>;

/// A page of children of one parent: the parent's id plus everything that shapes the page.
/// Keys that share filter, order, paging and columns are fetched together in one statement.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChildPageKey<F, S, C = ()> {
    pub parent: i32,
    pub shape: Shared<PageShape<F, S, C>>,
}

/// The number of children of one parent that match a filter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChildCountKey<F> {
    pub parent: i32,
    pub filter: Shared<F>,
    /// The caller the rows are counted for (see [`ReadBy`]).
    pub reader: Viewer,
}

/// Groups keys by everything but the parent id.
fn group_by_shape<K: Clone, G: Hash + Eq>(
    keys: &[K],
    shape: impl Fn(&K) -> (G, i32),
) -> HashMap<G, Vec<i32>> {
    let mut groups: HashMap<G, Vec<i32>> = HashMap::new();
    for key in keys {
        let (group, parent) = shape(key);
        groups.entry(group).or_default().push(parent);
    }
    groups
}

/// Declares a loader of child pages and one of child counts for one relation.
///
/// `pages: |db, viewer, parents, shape| …` is the service call that fetches one shape's pages
/// for all its parents, `counts: |db, viewer, parents, filter| …` the one that counts them
/// (written at each use, since relations differ in whether their shape carries columns and
/// whether their rows are private to a user; `viewer` is the caller the rows are read for).
///
/// `private: pages_fn, counts_fn` is the common case of a user's private rows read whole:
/// `pages_fn(db, viewer, parents, filter, (sort, page))` and
/// `counts_fn(db, viewer, parents, filter)`.
macro_rules! child_loaders {
    (
        $pages:ident, $counts:ident, $model:ty, $filter:ty, $sort:ty,
        private: $fetch_pages:path, $fetch_counts:path
    ) => {
        child_loaders!(
            $pages, $counts, $model, $filter, $sort, (),
            pages: |db, viewer, parents, shape| $fetch_pages(
                db, viewer, parents, &shape.filter, (shape.sort, &shape.page)
            ),
            counts: |db, viewer, parents, filter| $fetch_counts(db, viewer, parents, filter)
        );
    };
    (
        $pages:ident, $counts:ident, $model:ty, $filter:ty, $sort:ty, $columns:ty,
        pages: |$db:ident, $viewer:ident, $parents:ident, $shape:ident| $fetch_pages:expr,
        counts: |$cdb:ident, $cviewer:ident, $cparents:ident, $filter_:ident| $fetch_counts:expr
    ) => {
        #[doc = concat!("Loads pages of `", stringify!($model), "` per parent.")]
        pub struct $pages(DatabaseConnection);

        impl Loader<ChildPageKey<$filter, Sort<$sort>, $columns>> for $pages {
            type Value = Arc<Page<$model>>;
            type Error = Arc<service::Error>;

            async fn load(
                &self,
                keys: &[ChildPageKey<$filter, Sort<$sort>, $columns>],
            ) -> LoadResult<ChildPageKey<$filter, Sort<$sort>, $columns>, Self::Value> {
                let groups = group_by_shape(keys, |k| (k.shape.clone(), k.parent));
                let mut out = HashMap::with_capacity(keys.len());
                for ($shape, $parents) in groups {
                    let ($db, $viewer) = (&self.0, &$shape.reader);
                    let $parents = &$parents[..];
                    let pages = $fetch_pages.await.map_err(Arc::new)?;
                    for (parent, rows) in pages {
                        let key = ChildPageKey {
                            parent,
                            shape: $shape.clone(),
                        };
                        out.insert(key, Arc::new(rows));
                    }
                }
                Ok(out)
            }
        }

        #[doc = concat!("Counts `", stringify!($model), "` rows per parent.")]
        pub struct $counts(DatabaseConnection);

        impl Loader<ChildCountKey<$filter>> for $counts {
            type Value = u64;
            type Error = Arc<service::Error>;

            async fn load(
                &self,
                keys: &[ChildCountKey<$filter>],
            ) -> LoadResult<ChildCountKey<$filter>, u64> {
                let groups = group_by_shape(keys, |k| ((k.filter.clone(), k.reader), k.parent));
                let mut out = HashMap::with_capacity(keys.len());
                for ((filter, reader), parents) in groups {
                    let counts = {
                        let ($cdb, $cviewer) = (&self.0, &reader);
                        let ($cparents, $filter_) = (&parents[..], &filter);
                        $fetch_counts.await.map_err(Arc::new)?
                    };
                    for parent in parents {
                        let n = counts.get(&parent).copied().unwrap_or(0);
                        out.insert(
                            ChildCountKey {
                                parent,
                                filter: filter.clone(),
                                reader,
                            },
                            n,
                        );
                    }
                }
                Ok(out)
            }
        }
    };
}

child_loaders!(
    PostsByAuthor,
    PostCountByAuthor,
    Positioned<PostRow>,
    service::posts::PostFilter,
    service::posts::PostSort,
    Columns<PostColumn>,
    pages: |db, viewer, parents, shape| service::posts::pages_by_authors(
        db,
        viewer,
        parents,
        &shape.filter,
        shape.sort,
        &shape.page,
        shape.columns
    ),
    counts: |db, viewer, parents, filter| service::posts::counts_by_authors(
        db, viewer, parents, filter
    )
);
child_loaders!(
    OrdersByCustomer,
    OrderCountByCustomer,
    order::Model,
    service::orders::OrderFilter,
    service::orders::OrderSort,
    private: service::orders::pages_by_customers, service::orders::counts_by_customers
);
child_loaders!(
    PointsByUser,
    PointCountByUser,
    point_transaction::Model,
    service::points::PointFilter,
    service::points::PointSort,
    private: service::points::pages_by_users, service::points::counts_by_users
);

/// A request-scoped loader: cached for the request only.
pub type Scoped<T> = DataLoader<T, HashMapCache>;

/// A loader of pages of children, without a cache: keys asked for in one step of a request
/// are still fetched once, and each page goes to its one parent without a copy (a cached
/// page was copied into the cache and out again, every row, 500 posts for a page of users).
pub type Uncached<T> = DataLoader<T, NoCache>;

/// Every loader of one request.
pub struct Loaders {
    pub user_by_id: Scoped<UserById>,
    pub product_by_id: Scoped<ProductById>,
    pub order_by_id: Scoped<OrderById>,
    pub items_by_order: Scoped<ItemsByOrder>,
    pub roles_by_user: Scoped<RolesByUser>,
    pub spent_by_customer: Scoped<SpentByCustomer>,
    pub posts_by_author: Uncached<PostsByAuthor>,
    /// The shape of each user's `posts` field in the document (see [`FieldShapes`]).
    pub post_shapes: FieldShapes<Shared<PostShape>>,
    pub post_count_by_author: Scoped<PostCountByAuthor>,
    pub orders_by_customer: Uncached<OrdersByCustomer>,
    pub order_count_by_customer: Scoped<OrderCountByCustomer>,
    pub points_by_user: Uncached<PointsByUser>,
    pub point_count_by_user: Scoped<PointCountByUser>,
}

impl Loaders {
    /// Fresh loaders for one request, whose batches run through `spawner` after waiting
    /// `delay` (zero is fine with a request-driven spawner: see `batching`).
    pub fn new(db: &DatabaseConnection, spawner: &BatchSpawner, delay: Duration) -> Self {
        Self {
            user_by_id: make_loader(UserById(db.clone()), spawner, delay),
            product_by_id: make_loader(ProductById(db.clone()), spawner, delay),
            order_by_id: make_loader(OrderById(db.clone()), spawner, delay),
            items_by_order: make_loader(ItemsByOrder(db.clone()), spawner, delay),
            roles_by_user: make_loader(RolesByUser(db.clone()), spawner, delay),
            spent_by_customer: make_loader(SpentByCustomer(db.clone()), spawner, delay),
            posts_by_author: make_loader_with(PostsByAuthor(db.clone()), spawner, delay, NoCache),
            post_shapes: FieldShapes::per_request(),
            post_count_by_author: make_loader(PostCountByAuthor(db.clone()), spawner, delay),
            orders_by_customer: make_loader_with(
                OrdersByCustomer(db.clone()),
                spawner,
                delay,
                NoCache,
            ),
            order_count_by_customer: make_loader(OrderCountByCustomer(db.clone()), spawner, delay),
            points_by_user: make_loader_with(PointsByUser(db.clone()), spawner, delay, NoCache),
            point_count_by_user: make_loader(PointCountByUser(db.clone()), spawner, delay),
        }
    }
}

impl Loaders {
    /// Loaders for a WebSocket connection: each subscription event is resolved on its own, so
    /// batches run on the runtime after the usual short delay, and nothing is cached between
    /// events (a connection can live for hours).
    pub fn for_connection(db: &DatabaseConnection) -> Self {
        let mut loaders = Self::new(db, &BatchSpawner::Runtime, Duration::from_millis(1));
        loaders.post_shapes = FieldShapes::unkept();
        loaders.user_by_id.enable_all_cache(false);
        loaders.product_by_id.enable_all_cache(false);
        loaders.order_by_id.enable_all_cache(false);
        loaders.items_by_order.enable_all_cache(false);
        loaders.roles_by_user.enable_all_cache(false);
        loaders.spent_by_customer.enable_all_cache(false);
        loaders.posts_by_author.enable_all_cache(false);
        loaders.post_count_by_author.enable_all_cache(false);
        loaders.orders_by_customer.enable_all_cache(false);
        loaders.order_count_by_customer.enable_all_cache(false);
        loaders.points_by_user.enable_all_cache(false);
        loaders.point_count_by_user.enable_all_cache(false);
        loaders
    }
}

fn make_loader<T: Send + Sync + 'static>(
    loader: T,
    spawner: &BatchSpawner,
    delay: Duration,
) -> Scoped<T> {
    make_loader_with(loader, spawner, delay, HashMapCache::default())
}

fn make_loader_with<T: Send + Sync + 'static, C: CacheFactory>(
    loader: T,
    spawner: &BatchSpawner,
    delay: Duration,
    cache: C,
) -> DataLoader<T, C> {
    let spawner = spawner.clone();
    DataLoader::with_cache(loader, move |batch| spawner.spawn(batch), cache).delay(delay)
}

#[cfg(test)]
mod tests {
    use super::{FieldShapes, Shared};
    use std::hash::{BuildHasher, RandomState};

    #[test]
    fn equal_values_shared_apart_are_one_key() {
        let (a, b) = (
            Shared::new(("published", 10)),
            Shared::new(("published", 10)),
        );
        let state = RandomState::new();
        assert_eq!(a, b);
        assert_eq!(state.hash_one(&a), state.hash_one(&b));
        assert_ne!(a, Shared::new(("draft", 10)));
    }

    #[test]
    fn shapes_are_kept_per_field_and_only_for_one_document() {
        use async_graphql::parser::types::Selection;
        let document = async_graphql::parser::parse_query(
            "{ a: posts(first: 1) { id } b: posts(first: 2) { id } }",
        )
        .unwrap();
        let (_, operation) = document.operations.iter().next().unwrap();
        let fields: Vec<_> = operation
            .node
            .selection_set
            .node
            .items
            .iter()
            .map(|s| match &s.node {
                Selection::Field(field) => field,
                _ => unreachable!("the document has fields only"),
            })
            .collect();
        let made = std::cell::Cell::new(0);
        let make = || {
            made.set(made.get() + 1);
            Ok::<_, ()>(made.get())
        };
        let kept = FieldShapes::per_request();
        assert_eq!(kept.get_or_make(fields[0], make), Ok(1));
        assert_eq!(kept.get_or_make(fields[0], make), Ok(1));
        assert_eq!(kept.get_or_make(fields[1], make), Ok(2));
        assert_eq!(kept.get_or_make(fields[1], make), Ok(2));
        let unkept = FieldShapes::unkept();
        assert_eq!(unkept.get_or_make(fields[0], make), Ok(3));
        assert_eq!(unkept.get_or_make(fields[0], make), Ok(4));
        // A refusal is not kept.
        let kept = FieldShapes::<i32>::per_request();
        assert_eq!(kept.get_or_make(fields[0], || Err(())), Err(()));
        assert_eq!(kept.get_or_make(fields[0], make), Ok(5));
    }
}
