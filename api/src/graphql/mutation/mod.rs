//! The mutation root, merged from one object per domain.

pub mod backup;
mod order;
mod points;
mod post;
mod product;
mod role;
mod user;

use async_graphql::MergedObject;

/// Every mutation field.
#[derive(MergedObject, Default)]
pub struct Mutation(
    user::UserMutation,
    post::PostMutation,
    product::ProductMutation,
    order::OrderMutation,
    points::PointsMutation,
    role::RoleMutation,
    backup::BackupMutation,
);
