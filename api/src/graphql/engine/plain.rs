//! A schema that registers no extension and sets none of async-graphql's own limits, by
//! construction: [`PlainBuilder`] offers only the builder methods that keep it so, and the
//! engine ([`super::gateway::Gateway`], [`super::reference::Reference`]) takes nothing else.
//!
//! Extensions are left out because [`super::direct`] does not call their per-field hooks, and
//! because with any extension registered async-graphql sends every field and list item through
//! the extension chain. async-graphql's depth, complexity and directive limits are left out
//! because [`super::cost`] checks the document first, and their refusals would carry no code
//! of ours ([`super::error_codes`] codes what async-graphql refuses before execution as a
//! validation error).

use super::cost::MAX_NESTING;
use async_graphql::{ObjectType, OutputType, Schema, SchemaBuilder, SubscriptionType};
use std::any::Any;
use std::ops::Deref;

/// Builds a [`PlainSchema`]: the subset of async-graphql's `SchemaBuilder` that registers no
/// extension and no limit.
pub struct PlainBuilder<Q, M, S>(SchemaBuilder<Q, M, S>);

impl<Q, M, S> PlainBuilder<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    /// A schema of these roots.
    pub fn new(query: Q, mutation: M, subscription: S) -> Self {
        Self(Schema::build(query, mutation, subscription))
    }

    /// Adds `data` to every request's context.
    #[must_use]
    pub fn data<D: Any + Send + Sync>(self, data: D) -> Self {
        Self(self.0.data(data))
    }

    /// Answers no introspection.
    #[must_use]
    pub fn disable_introspection(self) -> Self {
        Self(self.0.disable_introspection())
    }

    /// Leaves `Did you mean …?` out of validation errors.
    #[must_use]
    pub fn disable_suggestions(self) -> Self {
        Self(self.0.disable_suggestions())
    }

    /// Describes output type `T` with `description` instead of its own text.
    #[must_use]
    pub fn override_output_type_description<T: OutputType>(
        self,
        description: &'static str,
    ) -> Self {
        Self(self.0.override_output_type_description::<T>(description))
    }

    /// Adds `T` to the schema though no field returns it.
    #[must_use]
    pub fn register_output_type<T: OutputType>(self) -> Self {
        Self(self.0.register_output_type::<T>())
    }

    /// The schema. async-graphql's recursion limit is set to the cost walk's, which refuses a
    /// document first, so a refusal for nesting is always the engine's own.
    pub fn finish(self) -> PlainSchema<Q, M, S> {
        PlainSchema(self.0.limit_recursive_depth(MAX_NESTING).finish())
    }
}

/// A schema built by [`PlainBuilder`]; it reads as the async-graphql `Schema` it is.
pub struct PlainSchema<Q, M, S>(Schema<Q, M, S>);

impl<Q, M, S> Clone for PlainSchema<Q, M, S> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<Q, M, S> Deref for PlainSchema<Q, M, S> {
    type Target = Schema<Q, M, S>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}
