//! Filter and ordering inputs of the list fields, converted into the service's filters.

use super::args::{OrderDirection, parse_id, parse_ids};
use super::error::GqlResult;
use super::types::enums::{OrderStatus, PointKind, PostStatus, Tier, UserStatus};
use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, Utc};
use service::filter::{Cmp, TextCmp};
use service::pagination::Sort;

type Res<T> = async_graphql::Result<T>;

/// Matches ids.
#[derive(InputObject, Clone, Debug, Default)]
pub struct IdFilter {
    pub eq: Option<ID>,
    pub ne: Option<ID>,
    #[graphql(name = "in")]
    pub in_: Option<Vec<ID>>,
}

impl IdFilter {
    fn cmp(f: &Option<Self>, field: &str) -> Res<Cmp<i32>> {
        let Some(f) = f else {
            return Ok(Cmp::default());
        };
        Ok(Cmp {
            eq: f.eq.as_ref().map(|id| parse_id(field, id)).transpose()?,
            ne: f.ne.as_ref().map(|id| parse_id(field, id)).transpose()?,
            in_: f
                .in_
                .as_deref()
                .map(|ids| parse_ids(field, ids))
                .transpose()?,
            ..Cmp::default()
        }
        .checked(field)
        .gql()?)
    }
}

/// Compares integers (cents, stock).
#[derive(InputObject, Clone, Debug, Default)]
pub struct IntFilter {
    pub eq: Option<i32>,
    pub ne: Option<i32>,
    #[graphql(name = "in")]
    pub in_: Option<Vec<i32>>,
    pub gt: Option<i32>,
    pub gte: Option<i32>,
    pub lt: Option<i32>,
    pub lte: Option<i32>,
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
        }
        .checked(field)
        .gql()
    }
}

/// Matches text; `contains` and `startsWith` ignore case.
#[derive(InputObject, Clone, Debug, Default)]
pub struct StringFilter {
    pub eq: Option<String>,
    pub ne: Option<String>,
    #[graphql(name = "in")]
    pub in_: Option<Vec<String>>,
    pub contains: Option<String>,
    pub starts_with: Option<String>,
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
        }
        .checked(field)
        .gql()
    }
}

/// Compares UTC timestamps (RFC 3339).
#[derive(InputObject, Clone, Debug, Default)]
pub struct DateTimeFilter {
    pub eq: Option<DateTime<Utc>>,
    pub gt: Option<DateTime<Utc>>,
    pub gte: Option<DateTime<Utc>>,
    pub lt: Option<DateTime<Utc>>,
    pub lte: Option<DateTime<Utc>>,
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
            ..Cmp::default()
        }
    }
}

/// Declares `<Enum>Filter { eq, ne, in }` for a GraphQL enum and its conversion.
macro_rules! enum_filter {
    ($name:ident, $gql:ty, $svc:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(InputObject, Clone, Debug, Default)]
        pub struct $name {
            pub eq: Option<$gql>,
            pub ne: Option<$gql>,
            #[graphql(name = "in")]
            pub in_: Option<Vec<$gql>>,
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

/// Which users a list returns; all given parts must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct UserFilter {
    pub id: Option<IdFilter>,
    pub email: Option<StringFilter>,
    pub name: Option<StringFilter>,
    pub status: Option<UserStatusFilter>,
    pub tier: Option<TierFilter>,
    pub created_at: Option<DateTimeFilter>,
}

impl UserFilter {
    pub fn into_service(f: Option<Self>) -> Res<service::users::UserFilter> {
        let f = f.unwrap_or_default();
        Ok(service::users::UserFilter {
            id: IdFilter::cmp(&f.id, "filter.id")?,
            email: StringFilter::cmp(&f.email, "filter.email")?,
            name: StringFilter::cmp(&f.name, "filter.name")?,
            status: UserStatusFilter::cmp(&f.status, "filter.status")?,
            tier: TierFilter::cmp(&f.tier, "filter.tier")?,
            created_at: DateTimeFilter::cmp(&f.created_at),
        })
    }
}

/// Which posts a list returns; all given parts must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct PostFilter {
    pub id: Option<IdFilter>,
    pub author_id: Option<IdFilter>,
    pub status: Option<PostStatusFilter>,
    pub title: Option<StringFilter>,
    pub published_at: Option<DateTimeFilter>,
    pub created_at: Option<DateTimeFilter>,
}

impl PostFilter {
    /// The service filter, limited to the posts `scope` lets the caller see.
    pub fn into_service(
        f: Option<Self>,
        scope: service::access::PostScope,
    ) -> Res<service::posts::PostFilter> {
        let f = f.unwrap_or_default();
        Ok(service::posts::PostFilter {
            id: IdFilter::cmp(&f.id, "filter.id")?,
            author_id: IdFilter::cmp(&f.author_id, "filter.authorId")?,
            status: PostStatusFilter::cmp(&f.status, "filter.status")?,
            title: StringFilter::cmp(&f.title, "filter.title")?,
            published_at: DateTimeFilter::cmp(&f.published_at),
            created_at: DateTimeFilter::cmp(&f.created_at),
            scope,
        })
    }
}

/// Which products a list returns; all given parts must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ProductFilter {
    pub id: Option<IdFilter>,
    pub sku: Option<StringFilter>,
    pub slug: Option<StringFilter>,
    pub name: Option<StringFilter>,
    pub category: Option<StringFilter>,
    pub price_cents: Option<IntFilter>,
    pub stock: Option<IntFilter>,
}

impl ProductFilter {
    pub fn into_service(f: Option<Self>) -> Res<service::products::ProductFilter> {
        let f = f.unwrap_or_default();
        Ok(service::products::ProductFilter {
            id: IdFilter::cmp(&f.id, "filter.id")?,
            sku: StringFilter::cmp(&f.sku, "filter.sku")?,
            slug: StringFilter::cmp(&f.slug, "filter.slug")?,
            name: StringFilter::cmp(&f.name, "filter.name")?,
            category: StringFilter::cmp(&f.category, "filter.category")?,
            price_cents: IntFilter::cmp(&f.price_cents, "filter.priceCents")?,
            stock: IntFilter::cmp(&f.stock, "filter.stock")?,
        })
    }
}

/// Which orders a list returns; all given parts must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct OrderFilter {
    pub id: Option<IdFilter>,
    pub customer_id: Option<IdFilter>,
    pub status: Option<OrderStatusFilter>,
    pub total_cents: Option<IntFilter>,
    pub created_at: Option<DateTimeFilter>,
}

impl OrderFilter {
    pub fn into_service(f: Option<Self>) -> Res<service::orders::OrderFilter> {
        let f = f.unwrap_or_default();
        Ok(service::orders::OrderFilter {
            id: IdFilter::cmp(&f.id, "filter.id")?,
            customer_id: IdFilter::cmp(&f.customer_id, "filter.customerId")?,
            status: OrderStatusFilter::cmp(&f.status, "filter.status")?,
            total_cents: IntFilter::cmp(&f.total_cents, "filter.totalCents")?,
            created_at: DateTimeFilter::cmp(&f.created_at),
            scope_customer: None,
        })
    }
}

/// Which ledger entries a list returns; all given parts must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct PointTransactionFilter {
    pub kind: Option<PointKindFilter>,
    pub created_at: Option<DateTimeFilter>,
}

impl PointTransactionFilter {
    pub fn into_service(f: Option<Self>) -> Res<service::points::PointFilter> {
        let f = f.unwrap_or_default();
        Ok(service::points::PointFilter {
            kind: PointKindFilter::cmp(&f.kind, "filter.kind")?,
            created_at: DateTimeFilter::cmp(&f.created_at),
        })
    }
}

/// Declares `<Entity>OrderField` (mirroring a service sort key) and `<Entity>Order`.
macro_rules! order_input {
    ($order:ident, $field:ident, $svc:ty, $remote:literal, $doc:literal, [$($variant:ident),+]) => {
        #[doc = concat!("Indexed columns ", $doc, " can be sorted by.")]
        #[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
        #[graphql(remote = $remote)]
        pub enum $field {
            $($variant),+
        }

        #[doc = concat!("How a list of ", $doc, " is sorted (ties broken by id).")]
        #[derive(InputObject, Clone, Copy, Debug)]
        pub struct $order {
            pub field: $field,
            #[graphql(default)]
            pub direction: OrderDirection,
        }

        impl $order {
            /// The ordering asked for, or `default`.
            pub fn or(order: Option<Self>, default: Sort<$svc>) -> Sort<$svc> {
                order.map_or(default, |o| Sort { key: o.field.into(), desc: o.direction.is_desc() })
            }
        }
    };
}

order_input!(
    UserOrder,
    UserOrderField,
    service::users::UserSort,
    "service::users::UserSort",
    "users",
    [Id, Email, Name, CreatedAt]
);
order_input!(
    PostOrder,
    PostOrderField,
    service::posts::PostSort,
    "service::posts::PostSort",
    "posts",
    [Id, CreatedAt, PublishedAt]
);
order_input!(
    ProductOrder,
    ProductOrderField,
    service::products::ProductSort,
    "service::products::ProductSort",
    "products",
    [Id, Name, PriceCents, CreatedAt]
);
order_input!(
    OrderOrder,
    OrderOrderField,
    service::orders::OrderSort,
    "service::orders::OrderSort",
    "orders",
    [Id, CreatedAt, TotalCents]
);
