//! The arguments every list field takes (`first`, `after`, `last`, `before`, `filter`,
//! `orderBy`), declared once.
//!
//! async-graphql reads a field's arguments from its resolver's parameters and has no way to
//! share a group of them, so [`list_fields!`] writes the resolvers: for each list field it
//! declares the six arguments with their descriptions and hands them, as one [`ListArgs`], to
//! an ordinary method of the type that owns the field. The generated object is flattened into
//! that type (`#[graphql(flatten)]`); it appears nowhere in the schema itself (async-graphql
//! drops types no field returns), so the exported SDL is what the fields alone would make.

use crate::graphql::args::page_args;
use crate::graphql::connection::{Conn, CountOf, connection};
use crate::graphql::engine::direct::WrittenFields;
use crate::graphql::filters::{FilterInput, SortInput};
use async_graphql::ContainerType;
use service::list::{ModelOf, Page, PageArgs, Sort, SortKey};

/// A list field's arguments as the client gave them: the page asked for, and the filter and
/// ordering still in their GraphQL input types (each field reads them in its own way and order).
pub struct ListArgs<F, S> {
    /// `first`/`after`/`last`/`before`, unchecked (the service checks them).
    pub page: PageArgs,
    /// `filter`.
    pub filter: Option<F>,
    /// `orderBy`.
    pub order_by: Option<Vec<S>>,
}

impl<F, S> ListArgs<F, S> {
    /// The arguments of one call of a list field.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<F>,
        order_by: Option<Vec<S>>,
    ) -> Self {
        Self {
            page: page_args(first, after, last, before),
            filter,
            order_by,
        }
    }
}

impl<F: FilterInput, S: SortInput> ListArgs<F, S> {
    /// The filter and ordering in the service's terms (`default` when there is no `orderBy`),
    /// each still a `Result`: a service function that checks its caller first refuses a
    /// malformed one only to a caller its rule lets through.
    pub fn read(self, default: Sort<S::Key>) -> Read<F::Service, S::Key> {
        Read {
            filter: F::into_service(self.filter),
            sort: S::or(self.order_by, default),
            page: self.page,
        }
    }
}

/// A list's arguments read by [`ListArgs::read`].
pub struct Read<F, K> {
    /// The filter, or why it was refused.
    pub filter: async_graphql::Result<F>,
    /// The ordering, or why it was refused.
    pub sort: async_graphql::Result<Sort<K>>,
    /// The page asked for.
    pub page: PageArgs,
}

impl<F, K: SortKey> Read<F, K> {
    /// The filter and ordering, for a service function that takes them already read: the
    /// filter's refusal first, then the ordering's.
    pub fn checked(&self) -> async_graphql::Result<(&F, Sort<K>)> {
        match (&self.filter, &self.sort) {
            (Ok(filter), Ok(sort)) => Ok((filter, *sort)),
            (Err(err), _) | (_, Err(err)) => Err(err.clone()),
        }
    }

    /// `page`, the rows the service found for these arguments, as the list's connection: each
    /// row through `node`, the total counted (if asked for) with the filter inside `count`.
    pub fn connection<N: ContainerType + WrittenFields>(
        self,
        page: Page<ModelOf<K>>,
        count: impl FnOnce(Box<F>) -> CountOf,
        node: impl Fn(ModelOf<K>) -> N,
    ) -> async_graphql::Result<Conn<N>> {
        let (filter, sort) = (self.filter?, self.sort?);
        Ok(connection(page, count(Box::new(filter)), |m| {
            (sort.cursor(&m), node(m))
        }))
    }
}

/// Declares `struct $name<'a>(&'a $owner)`, an object whose fields are `$owner`'s list fields:
/// each `field(Filter, SortInput) -> Output` becomes a resolver taking the six list arguments
/// and calling `$owner::field(&self, ctx, ListArgs<Filter, SortInput>) -> Output`. The doc
/// comment of each entry is the field's description. `$owner` flattens it into itself with
/// `#[graphql(flatten)] async fn lists(&self) -> $name<'_> { $name(self) }`, placed where the
/// list fields belong in its field order.
macro_rules! list_fields {
    (
        $(#[doc = $type_doc:literal])*
        $vis:vis struct $name:ident for $owner:ty {
            $(
                $(#[doc = $doc:literal])+
                $field:ident($filter:ty, $sort:ty) -> $output:ty;
            )+
        }
    ) => {
        $(#[doc = $type_doc])*
        $vis struct $name<'a>(pub &'a $owner);

        #[async_graphql::Object]
        impl $name<'_> {
            $(
                $(#[doc = $doc])+
                // The arguments are the schema's; async-graphql takes them one parameter each.
                #[allow(clippy::too_many_arguments)]
                async fn $field(
                    &self,
                    ctx: &async_graphql::Context<'_>,
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
                    #[graphql(desc = "Only the rows that match; all given parts must hold.")]
                    filter: Option<$filter>,
                    #[graphql(
                        desc = "How the rows are sorted: by each column in turn (at most 3), then by id."
                    )]
                    order_by: Option<Vec<$sort>>,
                ) -> $output {
                    let list = $crate::graphql::lists::ListArgs::new(
                        first, after, last, before, filter, order_by,
                    );
                    self.0.$field(ctx, list).await
                }
            )+
        }
    };
}

pub(crate) use list_fields;
