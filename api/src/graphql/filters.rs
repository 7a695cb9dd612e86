//! Filter and ordering inputs of the list fields, converted into the service's filters.

use super::args::{Kind, SortDirection, parse_id, parse_ids};
use super::error::{GqlResult, bad_input};
use super::types::enums::{OrderStatus, PointKind, PostStatus, Tier, UserStatus};
use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, Utc};
use service::filter::{Cmp, Logic, TextCmp};
use service::pagination::Sort;

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
        Ok(Cmp {
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
        .gql()?)
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

/// The service's `and`/`or`/`not` of a filter, each nested filter made by `convert`; `left`
/// counts down the filters the whole list may still nest.
fn logic<F, S>(
    (and, or, not): (Option<Vec<F>>, Option<Vec<F>>, Option<Box<F>>),
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

/// Which users a list returns; all given parts must hold, `and`, `or` and `not` included.
#[derive(InputObject, Clone, Debug, Default)]
pub struct UserFilter {
    /// The user's id.
    pub id: Option<IdFilter>,
    /// The sign-in email.
    pub email: Option<StringFilter>,
    /// The display name.
    pub name: Option<StringFilter>,
    /// Whether the account may be used.
    pub status: Option<UserStatusFilter>,
    /// The loyalty tier.
    pub tier: Option<TierFilter>,
    /// When the account was created.
    pub created_at: Option<DateTimeFilter>,
    /// Every one of these filters holds too.
    pub and: Option<Vec<UserFilter>>,
    /// At least one of these filters holds too (ignored when empty).
    pub or: Option<Vec<UserFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<UserFilter>>,
}

impl UserFilter {
    pub fn into_service(f: Option<Self>) -> Res<service::users::UserFilter> {
        let mut left = MAX_NESTED;
        Self::convert(f.unwrap_or_default(), 0, &mut left)
    }

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

/// Which posts a list returns; all given parts must hold, `and`, `or` and `not` included.
#[derive(InputObject, Clone, Debug, Default)]
pub struct PostFilter {
    /// The post's id.
    pub id: Option<IdFilter>,
    /// The author's id.
    pub author_id: Option<IdFilter>,
    /// Draft or published.
    pub status: Option<PostStatusFilter>,
    /// The title.
    pub title: Option<StringFilter>,
    /// When the post was first published (drafts have none and never match).
    pub published_at: Option<DateTimeFilter>,
    /// When the post was written.
    pub created_at: Option<DateTimeFilter>,
    /// Every one of these filters holds too.
    pub and: Option<Vec<PostFilter>>,
    /// At least one of these filters holds too (ignored when empty).
    pub or: Option<Vec<PostFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<PostFilter>>,
}

impl PostFilter {
    /// The service filter, not yet limited to the posts a caller may see: the service does
    /// that (`posts::list`, or `PostFilter::seen_by` for a nested list's loader).
    pub fn into_service(f: Option<Self>) -> Res<service::posts::PostFilter> {
        let mut left = MAX_NESTED;
        Self::convert(f.unwrap_or_default(), 0, &mut left)
    }

    fn convert(f: Self, depth: usize, left: &mut usize) -> Res<service::posts::PostFilter> {
        Ok(service::posts::PostFilter {
            id: IdFilter::cmp(&f.id, "filter.id", Kind::Post)?,
            author_id: IdFilter::cmp(&f.author_id, "filter.authorId", Kind::User)?,
            status: PostStatusFilter::cmp(&f.status, "filter.status")?,
            title: StringFilter::cmp(&f.title, "filter.title")?,
            published_at: DateTimeFilter::cmp(&f.published_at),
            created_at: DateTimeFilter::cmp(&f.created_at),
            scope: Default::default(),
            logic: logic((f.and, f.or, f.not), depth, left, Self::convert)?,
        })
    }
}

/// Which products a list returns; all given parts must hold, `and`, `or` and `not` included.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ProductFilter {
    /// The product's id.
    pub id: Option<IdFilter>,
    /// The stock-keeping unit.
    pub sku: Option<StringFilter>,
    /// The URL name.
    pub slug: Option<StringFilter>,
    /// The display name.
    pub name: Option<StringFilter>,
    /// The category.
    pub category: Option<StringFilter>,
    /// The price of one unit, in integer cents.
    pub price_cents: Option<IntFilter>,
    /// Units in stock.
    pub stock: Option<IntFilter>,
    /// Every one of these filters holds too.
    pub and: Option<Vec<ProductFilter>>,
    /// At least one of these filters holds too (ignored when empty).
    pub or: Option<Vec<ProductFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<ProductFilter>>,
}

impl ProductFilter {
    pub fn into_service(f: Option<Self>) -> Res<service::products::ProductFilter> {
        let mut left = MAX_NESTED;
        Self::convert(f.unwrap_or_default(), 0, &mut left)
    }

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

/// Which orders a list returns; all given parts must hold, `and`, `or` and `not` included.
#[derive(InputObject, Clone, Debug, Default)]
pub struct OrderFilter {
    /// The order's id.
    pub id: Option<IdFilter>,
    /// The customer's id.
    pub customer_id: Option<IdFilter>,
    /// Where the order is in its life cycle.
    pub status: Option<OrderStatusFilter>,
    /// The order's total, in integer cents.
    pub total_cents: Option<IntFilter>,
    /// When the order was placed.
    pub created_at: Option<DateTimeFilter>,
    /// Every one of these filters holds too.
    pub and: Option<Vec<OrderFilter>>,
    /// At least one of these filters holds too (ignored when empty).
    pub or: Option<Vec<OrderFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<OrderFilter>>,
}

impl OrderFilter {
    pub fn into_service(f: Option<Self>) -> Res<service::orders::OrderFilter> {
        let mut left = MAX_NESTED;
        Self::convert(f.unwrap_or_default(), 0, &mut left)
    }

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

/// Which ledger entries a list returns; all given parts must hold, `and`, `or` and `not` included.
#[derive(InputObject, Clone, Debug, Default)]
pub struct PointTransactionFilter {
    /// What moved the points.
    pub kind: Option<PointKindFilter>,
    /// When the entry was written.
    pub created_at: Option<DateTimeFilter>,
    /// Every one of these filters holds too.
    pub and: Option<Vec<PointTransactionFilter>>,
    /// At least one of these filters holds too (ignored when empty).
    pub or: Option<Vec<PointTransactionFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<PointTransactionFilter>>,
}

impl PointTransactionFilter {
    pub fn into_service(f: Option<Self>) -> Res<service::points::PointFilter> {
        let mut left = MAX_NESTED;
        Self::convert(f.unwrap_or_default(), 0, &mut left)
    }

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

        impl $input {
            /// The ordering asked for (columns in turn), or `default` when none is.
            pub fn or(order: Option<Vec<Self>>, default: Sort<$svc>) -> Res<Sort<$svc>> {
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
