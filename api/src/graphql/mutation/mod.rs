//! The mutation root, merged from one object per domain.

mod post;
mod user;

use async_graphql::MergedObject;

/// Every mutation field.
#[derive(MergedObject, Default)]
pub struct Mutation(user::UserMutation, post::PostMutation);
