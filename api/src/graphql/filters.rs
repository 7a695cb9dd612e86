//! Filter and ordering inputs of the list fields, converted into the service's filters.

use super::args::{Kind, SortDirection, parse_id, parse_ids};
use super::error::{GqlResult, bad_input};
use super::types::enums::{OrderStatus, PointKind, PostStatus, Tier, UserStatus};
use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, Utc};
use service::list::{Cmp, Logic, TextCmp};
use service::list::{Sort, SortKey};

type Res<T> = async_graphql::Result<T>;

/// Matches ids; all given parts must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct IdFilter {
    /// Exactly this id.
    pub eq: Option<ID>,
    /// Any id but this one.
    pub ne: Option<ID>,
    /// One of these ids (at most 100).
    #[graphql(name = "in")]
    pub in_: Option<Vec<ID>>,
    /// The value is null (`true`) or is not (`false`).
    pub is_null: Option<bool>,
}

impl IdFilter {
    fn cmp(f: &Option<Self>, field: &str, kind: Kind) -> Res<Cmp<i32>> {
        let Some(f) = f else {
            return Ok(Cmp::default());
        };
        Cmp {
            eq: f
                .eq
                .as_ref()
                .map(|id| parse_id(field, kind, id))
                .transpose()?,
            ne: f
                .ne
                .as_ref()
                .map(|id| parse_id(field, kind, id))
                .transpose()?,
            in_: f
                .in_
                .as_deref()
                .map(|ids| parse_ids(field, kind, ids))
                .transpose()?,
            is_null: f.is_null,
            ..Cmp::default()
        }
        .checked(field)
        .gql()
    }
}

/// Compares integers (cents, stock); all given parts must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct IntFilter {
    /// Equal to this value.
    pub eq: Option<i32>,
    /// Not equal to this value.
    pub ne: Option<i32>,
    /// One of these values (at most 100).
    #[graphql(name = "in")]
    pub in_: Option<Vec<i32>>,
    /// Greater than this value.
    pub gt: Option<i32>,
    /// Greater than or equal to this value.
    pub gte: Option<i32>,
    /// Less than this value.
    pub lt: Option<i32>,
    /// Less than or equal to this value.
    pub lte: Option<i32>,
    /// The value is null (`true`) or is not (`false`).
    pub is_null: Option<bool>,
}

impl IntFilter {
    fn cmp<T: From<i32>>(f: &Option<Self>, field: &str) -> Res<Cmp<T>> {
        let Some(f) = f else {
            return Ok(Cmp::default());
        };
        Cmp {
            eq: f.eq.map(T::from),
            ne: f.ne.map(T::from),
            in_: f
                .in_
                .as_ref()
                .map(|v| v.iter().copied().map(T::from).collect()),
            gt: f.gt.map(T::from),
            gte: f.gte.map(T::from),
            lt: f.lt.map(T::from),
            lte: f.lte.map(T::from),
            is_null: f.is_null,
        }
        .checked(field)
        .gql()
    }
}

/// Matches text; all given parts must hold. `contains` and `startsWith` ignore case.
#[derive(InputObject, Clone, Debug, Default)]
pub struct StringFilter {
    /// Exactly this text (case matters; at most 256 characters).
    pub eq: Option<String>,
    /// Anything but this text (case matters).
    pub ne: Option<String>,
    /// One of these texts (at most 100; case matters).
    #[graphql(name = "in")]
    pub in_: Option<Vec<String>>,
    /// Contains this text, ignoring case (at most 256 characters).
    pub contains: Option<String>,
    /// Starts with this text, ignoring case (at most 256 characters).
    pub starts_with: Option<String>,
    /// The value is null (`true`) or is not (`false`).
    pub is_null: Option<bool>,
}

impl StringFilter {
    fn cmp(f: &Option<Self>, field: &str) -> Res<TextCmp> {
        let Some(f) = f else {
            return Ok(TextCmp::default());
        };
        TextCmp {
            eq: f.eq.clone(),
            ne: f.ne.clone(),
            in_: f.in_.clone(),
            contains: f.contains.clone(),
            starts_with: f.starts_with.clone(),
            is_null: f.is_null,
        }
        .checked(field)
        .gql()
    }
}

/// Compares points in time (RFC 3339; any offset, compared in UTC); all given parts must
/// hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct DateTimeFilter {
    /// At exactly this instant.
    pub eq: Option<DateTime<Utc>>,
    /// Later than this instant.
    pub gt: Option<DateTime<Utc>>,
    /// At or later than this instant.
    pub gte: Option<DateTime<Utc>>,
    /// Earlier than this instant.
    pub lt: Option<DateTime<Utc>>,
    /// At or earlier than this instant.
    pub lte: Option<DateTime<Utc>>,
    /// There is no instant (`true`; `publishedAt` of a draft) or there is one (`false`).
    pub is_null: Option<bool>,
}

impl DateTimeFilter {
    fn cmp(f: &Option<Self>) -> Cmp<DateTime<Utc>> {
        let Some(f) = f else { return Cmp::default() };
        Cmp {
            eq: f.eq,
            gt: f.gt,
            gte: f.gte,
            lt: f.lt,
            lte: f.lte,
            is_null: f.is_null,
            ..Cmp::default()
        }
    }
}

/// Most filters one list's `and`, `or` and `not` may hold in all, and how deep they may nest:
/// each adds its conditions to the list's one statement.
pub const MAX_NESTED: usize = 16;
pub const MAX_DEPTH: usize = 4;

/// Declares a list's filter input: `$name`'s own comparisons, each optional, and `and`, `or`
/// and `not` of further `$name`s.
macro_rules! filter_input {
    ($name:ident, $what:literal { $($(#[doc = $doc:literal])+ $field:ident: $cmp:ty,)+ }) => {
        #[doc = concat!("Which ", $what, " a list returns; all given parts must hold, `and`, `or` and `not` included.")]
        #[derive(InputObject, Clone, Debug, Default)]
        pub struct $name {
            $($(#[doc = $doc])+ pub $field: Option<$cmp>,)+
            /// Every one of these filters holds too.
            pub and: Option<Vec<$name>>,
            /// At least one of these filters holds too (ignored when empty).
            pub or: Option<Vec<$name>>,
            /// This filter does not hold.
            pub not: Option<Box<$name>>,
        }
    };
}

/// A list's `filter` input, read into the service's filter for that list.
pub trait FilterInput: Default {
    /// The service's filter.
    type Service;

    /// `f` read at nesting `depth`, with `left` filters still allowed in the whole list.
    fn convert(f: Self, depth: usize, left: &mut usize) -> Res<Self::Service>;

    /// The list's filter (matching every row when the client gave none), its nesting
    /// within [`MAX_DEPTH`] and [`MAX_NESTED`].
    fn into_service(f: Option<Self>) -> Res<Self::Service> {
        let mut left = MAX_NESTED;
        Self::convert(f.unwrap_or_default(), 0, &mut left)
    }
}

/// A list's `orderBy` input.
pub trait SortInput: Sized {
    /// The service's sort key.
    type Key: SortKey;

    /// The ordering asked for (columns in turn), or `default` when none is.
    fn or(order: Option<Vec<Self>>, default: Sort<Self::Key>) -> Res<Sort<Self::Key>>;
}

/// A filter input's `and`, `or` and `not`.
type Nested<F> = (Option<Vec<F>>, Option<Vec<F>>, Option<Box<F>>);

/// The service's `and`/`or`/`not` of a filter, each nested filter made by `convert`; `left`
/// counts down the filters the whole list may still nest.
fn logic<F, S>(
    (and, or, not): Nested<F>,
    depth: usize,
    left: &mut usize,
    convert: fn(F, usize, &mut usize) -> Res<S>,
) -> Res<Logic<S>> {
    let count = and.as_ref().map_or(0, Vec::len)
        + or.as_ref().map_or(0, Vec::len)
        + usize::from(not.is_some());
    if count == 0 {
        return Ok(Logic::default());
    }
    if depth >= MAX_DEPTH {
        return Err(bad_input(
            "filter",
            format!("and, or and not may nest at most {MAX_DEPTH} levels deep"),
        ));
    }
    if count > *left {
        return Err(bad_input(
            "filter",
            format!("at most {MAX_NESTED} filters in and, or and not together"),
        ));
    }
    *left -= count;
    let each = |list: Option<Vec<F>>, left: &mut usize| -> Res<Vec<S>> {
        list.unwrap_or_default()
            .into_iter()
            .map(|f| convert(f, depth + 1, left))
            .collect()
    };
    let and = each(and, left)?;
    let or = each(or, left)?;
    let not = match not {
        Some(f) => Some(Box::new(convert(*f, depth + 1, left)?)),
        None => None,
    };
    Ok(Logic { and, or, not })
}

/// Declares `<Enum>Filter { eq, ne, in }` for a GraphQL enum and its conversion.
macro_rules! enum_filter {
    ($name:ident, $gql:ty, $svc:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(InputObject, Clone, Debug, Default)]
        pub struct $name {
            /// Exactly this value.
            pub eq: Option<$gql>,
            /// Any value but this one.
            pub ne: Option<$gql>,
            /// One of these values.
            #[graphql(name = "in")]
            pub in_: Option<Vec<$gql>>,
            /// The value is null (`true`) or is not (`false`).
            pub is_null: Option<bool>,
        }

        impl $name {
            fn cmp(f: &Option<Self>, field: &str) -> Res<Cmp<$svc>> {
                let Some(f) = f else {
                    return Ok(Cmp::default());
                };
                Cmp {
                    eq: f.eq.map(Into::into),
                    ne: f.ne.map(Into::into),
                    in_: f
                        .in_
                        .as_ref()
                        .map(|v| v.iter().map(|s| (*s).into()).collect()),
                    is_null: f.is_null,
                    ..Cmp::default()
                }
                .checked(field)
                .gql()
            }
        }
    };
}

enum_filter!(
    UserStatusFilter,
    UserStatus,
    service::UserStatus,
    "Matches account states."
);
enum_filter!(TierFilter, Tier, service::Tier, "Matches loyalty tiers.");
enum_filter!(
    PostStatusFilter,
    PostStatus,
    service::PostStatus,
    "Matches post states."
);
enum_filter!(
    OrderStatusFilter,
    OrderStatus,
    service::OrderStatus,
    "Matches order states."
);
enum_filter!(
    PointKindFilter,
    PointKind,
    service::PointKind,
    "Matches ledger entry kinds."
);

filter_input! {
    UserFilter, "users" {
        /// The user's id.
        id: IdFilter,
        /// The sign-in email.
        email: StringFilter,
        /// The display name.
        name: StringFilter,
        /// Whether the account may be used.
        status: UserStatusFilter,
        /// The loyalty tier.
        tier: TierFilter,
        /// When the account was created.
        created_at: DateTimeFilter,
    }
}

impl FilterInput for UserFilter {
    type Service = service::users::UserFilter;

    fn convert(f: Self, depth: usize, left: &mut usize) -> Res<service::users::UserFilter> {
        Ok(service::users::UserFilter {
            id: IdFilter::cmp(&f.id, "filter.id", Kind::User)?,
            email: StringFilter::cmp(&f.email, "filter.email")?,
            name: StringFilter::cmp(&f.name, "filter.name")?,
            status: UserStatusFilter::cmp(&f.status, "filter.status")?,
            tier: TierFilter::cmp(&f.tier, "filter.tier")?,
            created_at: DateTimeFilter::cmp(&f.created_at),
            logic: logic((f.and, f.or, f.not), depth, left, Self::convert)?,
        })
    }
}

filter_input! {
    PostFilter, "posts" {
        /// The post's id.
        id: IdFilter,
        /// The author's id.
        author_id: IdFilter,
        /// Draft or published.
        status: PostStatusFilter,
        /// The title.
        title: StringFilter,
        /// When the post was first published (drafts have none and never match).
        published_at: DateTimeFilter,
        /// When the post was written.
        created_at: DateTimeFilter,
    }
}

/// Read into a service filter not yet limited to the posts a caller may see: the service
/// adds that from the caller it is given.
impl FilterInput for PostFilter {
    type Service = service::posts::PostFilter;

    fn convert(f: Self, depth: usize, left: &mut usize) -> Res<service::posts::PostFilter> {
        Ok(service::posts::PostFilter {
            id: IdFilter::cmp(&f.id, "filter.id", Kind::Post)?,
            author_id: IdFilter::cmp(&f.author_id, "filter.authorId", Kind::User)?,
            status: PostStatusFilter::cmp(&f.status, "filter.status")?,
            title: StringFilter::cmp(&f.title, "filter.title")?,
            published_at: DateTimeFilter::cmp(&f.published_at),
            created_at: DateTimeFilter::cmp(&f.created_at),
            logic: logic((f.and, f.or, f.not), depth, left, Self::convert)?,
        })
    }
}

filter_input! {
    ProductFilter, "products" {
        /// The product's id.
        id: IdFilter,
        /// The stock-keeping unit.
        sku: StringFilter,
        /// The URL name.
        slug: StringFilter,
        /// The display name.
        name: StringFilter,
        /// The category.
        category: StringFilter,
        /// The price of one unit, in integer cents.
        price_cents: IntFilter,
        /// Units in stock.
        stock: IntFilter,
    }
}

impl FilterInput for ProductFilter {
    type Service = service::products::ProductFilter;

    fn convert(f: Self, depth: usize, left: &mut usize) -> Res<service::products::ProductFilter> {
        Ok(service::products::ProductFilter {
            id: IdFilter::cmp(&f.id, "filter.id", Kind::Product)?,
            sku: StringFilter::cmp(&f.sku, "filter.sku")?,
            slug: StringFilter::cmp(&f.slug, "filter.slug")?,
            name: StringFilter::cmp(&f.name, "filter.name")?,
            category: StringFilter::cmp(&f.category, "filter.category")?,
            price_cents: IntFilter::cmp(&f.price_cents, "filter.priceCents")?,
            stock: IntFilter::cmp(&f.stock, "filter.stock")?,
            logic: logic((f.and, f.or, f.not), depth, left, Self::convert)?,
        })
    }
}

filter_input! {
    OrderFilter, "orders" {
        /// The order's id.
        id: IdFilter,
        /// The customer's id.
        customer_id: IdFilter,
        /// Where the order is in its life cycle.
        status: OrderStatusFilter,
        /// The order's total, in integer cents.
        total_cents: IntFilter,
        /// When the order was placed.
        created_at: DateTimeFilter,
    }
}

impl FilterInput for OrderFilter {
    type Service = service::orders::OrderFilter;

    fn convert(f: Self, depth: usize, left: &mut usize) -> Res<service::orders::OrderFilter> {
        Ok(service::orders::OrderFilter {
            id: IdFilter::cmp(&f.id, "filter.id", Kind::Order)?,
            customer_id: IdFilter::cmp(&f.customer_id, "filter.customerId", Kind::User)?,
            status: OrderStatusFilter::cmp(&f.status, "filter.status")?,
            total_cents: IntFilter::cmp(&f.total_cents, "filter.totalCents")?,
            created_at: DateTimeFilter::cmp(&f.created_at),
            logic: logic((f.and, f.or, f.not), depth, left, Self::convert)?,
        })
    }
}

filter_input! {
    PointTransactionFilter, "ledger entries" {
        /// What moved the points.
        kind: PointKindFilter,
        /// When the entry was written.
        created_at: DateTimeFilter,
    }
}

impl FilterInput for PointTransactionFilter {
    type Service = service::points::PointFilter;

    fn convert(f: Self, depth: usize, left: &mut usize) -> Res<service::points::PointFilter> {
        Ok(service::points::PointFilter {
            kind: PointKindFilter::cmp(&f.kind, "filter.kind")?,
            created_at: DateTimeFilter::cmp(&f.created_at),
            logic: logic((f.and, f.or, f.not), depth, left, Self::convert)?,
        })
    }
}

/// Declares `<Entity>SortField` (mirroring a service sort key) and the `<Entity>Sort` input.
macro_rules! sort_input {
    (
        $input:ident, $gql:literal, $field:ident, $svc:ty, $remote:literal, $doc:literal,
        [$($(#[doc = $vdoc:literal])+ $variant:ident),+]
    ) => {
        #[doc = concat!("Indexed columns ", $doc, " can be sorted by.")]
        #[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
        #[graphql(remote = $remote)]
        pub enum $field {
            $($(#[doc = $vdoc])+ $variant),+
        }

        #[doc = concat!("How a list of ", $doc, " is sorted (ties broken by id, in the same direction).")]
        #[derive(InputObject, Clone, Copy, Debug)]
        #[graphql(name = $gql)]
        pub struct $input {
            /// The column to sort by.
            pub field: $field,
            /// Smallest first (the default) or largest first.
            #[graphql(default)]
            pub direction: SortDirection,
        }

        impl SortInput for $input {
            type Key = $svc;

            fn or(order: Option<Vec<Self>>, default: Sort<$svc>) -> Res<Sort<$svc>> {
                match order {
                    None => Ok(default),
                    Some(keys) if keys.is_empty() => Ok(default),
                    Some(keys) => {
                        let keys: Vec<_> = keys
                            .iter()
                            .map(|o| (o.field.into(), o.direction.is_desc()))
                            .collect();
                        Sort::by_keys("orderBy", &keys).gql()
                    }
                }
            }
        }
    };
}

sort_input!(
    UserSortInput,
    "UserSort",
    UserSortField,
    service::users::UserSort,
    "service::users::UserSort",
    "users",
    [
        /// The user's id: the order they signed up in.
        Id,
        /// The sign-in email.
        Email,
        /// The display name.
        Name,
        /// When the account was created.
        CreatedAt
    ]
);
sort_input!(
    PostSortInput,
    "PostSort",
    PostSortField,
    service::posts::PostSort,
    "service::posts::PostSort",
    "posts",
    [
        /// The post's id: the order they were written in.
        Id,
        /// When the post was written.
        CreatedAt,
        /// When the post was first published; drafts (no date) sort first going up.
        PublishedAt
    ]
);
sort_input!(
    ProductSortInput,
    "ProductSort",
    ProductSortField,
    service::products::ProductSort,
    "service::products::ProductSort",
    "products",
    [
        /// The product's id: the order they were added in.
        Id,
        /// The display name.
        Name,
        /// The price of one unit.
        PriceCents,
        /// When the product was added.
        CreatedAt
    ]
);
sort_input!(
    OrderSortInput,
    "OrderSort",
    OrderSortField,
    service::orders::OrderSort,
    "service::orders::OrderSort",
    "orders",
    [
        /// The order's id: the order they were placed in.
        Id,
        /// When the order was placed.
        CreatedAt,
        /// The order's total.
        TotalCents
    ]
);
sort_input!(
    PointTransactionSortInput,
    "PointTransactionSort",
    PointTransactionSortField,
    service::points::PointSort,
    "service::points::PointSort",
    "ledger entries",
    [
        /// The entry's id: the order they were written in.
        Id,
        /// When the entry was written.
        CreatedAt
    ]
);
