//! The query root, merged from one object per domain.

mod node;
mod order;
mod post;
mod product;
mod user;

use async_graphql::MergedObject;

/// Every query field.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    user::UserQuery,
    post::PostQuery,
    product::ProductQuery,
    order::OrderQuery,
);
