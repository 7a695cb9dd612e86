//! The GraphQL schema: types, roots, loaders and error mapping.

pub mod args;
pub mod batching;
pub mod connection;
pub mod error;
pub mod filters;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod types;

use async_graphql::{EmptySubscription, Schema, SchemaBuilder};
use service::DatabaseConnection;
use service::events::EventBus;

/// The schema type served by shopgraph.
pub type AppSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// The schema's shape without any data: what `shopgraph schema` prints.
pub fn schema_builder() -> SchemaBuilder<query::Query, mutation::Mutation, EmptySubscription> {
    Schema::build(query::Query::default(), mutation::Mutation::default(), EmptySubscription)
}

/// What resolvers need at run time.
pub struct SchemaDeps {
    pub db: DatabaseConnection,
    pub events: EventBus,
}

/// The schema with its dependencies attached; does no I/O.
pub fn build_schema(deps: SchemaDeps) -> AppSchema {
    schema_builder().data(deps.db).data(deps.events).finish()
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    schema_builder().finish().sdl()
}
