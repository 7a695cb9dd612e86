//! The GraphQL schema: types, roots, loaders and error mapping.

pub mod args;
pub mod columns;
pub mod connection;
pub mod costs;
pub mod engine;
pub mod error;
pub mod filters;
pub mod global_id;
pub mod keyed;
pub mod lists;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod reference;
pub mod subscription;
pub mod types;
pub mod viewer;

use crate::auth::token::TokenKeys;
use connection::Conn;
use engine::plain::PlainBuilder;
use service::DatabaseConnection;
use service::events::EventBus;

/// The schema behind the engine's request pipeline, as shopgraph serves it.
pub type AppGateway =
    engine::gateway::Gateway<query::Query, mutation::Mutation, subscription::Subscription>;

/// What `DateTime` values are, for clients and code generators (async-graphql's own text
/// speaks of Rust types).
const DATE_TIME: &str = "A point in time: an RFC 3339 string in UTC, e.g. \
`2026-03-01T12:30:00.123+00:00` (fractional seconds as needed). Inputs may use any offset \
(`Z`, `+02:00`); they are converted to UTC.";

/// The schema's shape without any data: what `shopgraph schema` prints.
pub fn schema_builder() -> PlainBuilder<query::Query, mutation::Mutation, subscription::Subscription>
{
    PlainBuilder::new(
        query::Query::default(),
        mutation::Mutation::default(),
        subscription::Subscription::default(),
    )
    .override_output_type_description::<chrono::DateTime<chrono::Utc>>(DATE_TIME)
    .override_output_type_description::<Conn<types::User>>(
        "A page of users (Relay cursor connection): `nodes` or `edges`, `pageInfo` to go on, \
         and `totalCount` across all pages.",
    )
    .override_output_type_description::<Conn<types::Post>>(
        "A page of posts (Relay cursor connection): `nodes` or `edges`, `pageInfo` to go on, \
         and `totalCount` across all pages.",
    )
    .override_output_type_description::<Conn<types::Product>>(
        "A page of products (Relay cursor connection): `nodes` or `edges`, `pageInfo` to go \
         on, and `totalCount` across all pages.",
    )
    .override_output_type_description::<Conn<types::Order>>(
        "A page of orders (Relay cursor connection): `nodes` or `edges`, `pageInfo` to go on, \
         and `totalCount` across all pages.",
    )
    .override_output_type_description::<Conn<types::PointTransaction>>(
        "A page of ledger entries (Relay cursor connection): `nodes` or `edges`, `pageInfo` to \
         go on, and `totalCount` across all pages.",
    )
    // Not used by any field: it documents `extensions.code` in the schema.
    .register_output_type::<error::ErrorCode>()
}

/// What resolvers need at run time.
pub struct SchemaDeps {
    pub db: DatabaseConnection,
    pub events: EventBus,
    pub keys: TokenKeys,
    pub limits: Limits,
    pub backups_dir: std::path::PathBuf,
    pub sign_ins: std::sync::Arc<crate::auth::throttle::SignInThrottle>,
}

/// What one request may ask of the server.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_depth: usize,
    /// Highest cost (see `cost` for the model).
    pub max_complexity: usize,
    /// Most selections once fragments are expanded.
    pub max_selections: usize,
    pub introspection: bool,
    /// `Did you mean …?` in validation errors (off in production: it spells out the schema).
    pub suggestions: bool,
    /// Longest query text accepted, in bytes.
    pub max_query_bytes: usize,
    /// Most parsed documents kept (they also serve persisted-query hashes).
    pub document_cache_entries: usize,
    /// Bytes the kept documents may take.
    pub document_cache_bytes: usize,
}

/// The schema with its dependencies attached, behind its request pipeline; does no I/O.
pub fn build_schema(deps: SchemaDeps) -> AppGateway {
    let checkout = service::orders::Checkout::new(deps.db.clone(), deps.events.clone());
    let mut builder = schema_builder()
        .data(deps.db)
        .data(deps.events)
        .data(checkout)
        .data(deps.keys)
        .data(deps.sign_ins)
        .data(mutation::backup::BackupsDir(deps.backups_dir));
    if !deps.limits.introspection {
        builder = builder.disable_introspection();
    }
    if !deps.limits.suggestions {
        builder = builder.disable_suggestions();
    }
    // The builder takes no extension and no async-graphql limit (see `engine::plain`): `cost`
    // checks depth and complexity first, with introspection left out.
    let limits = engine::gateway::Limits {
        max_query_bytes: deps.limits.max_query_bytes,
        cache_entries: deps.limits.document_cache_entries,
        cache_bytes: deps.limits.document_cache_bytes,
        budget: engine::cost::Budget {
            max_selections: deps.limits.max_selections,
            max_depth: deps.limits.max_depth,
            max_cost: deps.limits.max_complexity as u64,
        },
    };
    engine::gateway::Gateway::new(builder.finish(), costs::model(&sdl()), limits)
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    let options = async_graphql::SDLExportOptions::new().include_specified_by();
    schema_builder().finish().sdl_with_options(options)
}

#[cfg(test)]
mod tests {
    /// `engine::json` takes a binary value in a response's data for an object already written
    /// as JSON; that holds while no scalar of the schema answers one. Besides GraphQL's own,
    /// `DateTime` answers a string (chrono's RFC 3339) and `SafeInt` a number: a new scalar
    /// fails this test until it is shown to answer no binary value either.
    #[test]
    fn the_schema_answers_no_binary_value() {
        let sdl = super::sdl();
        let scalars: Vec<_> = sdl
            .lines()
            .filter_map(|line| line.strip_prefix("scalar "))
            .map(|rest| rest.split_whitespace().next().unwrap_or(""))
            .collect();
        assert_eq!(scalars, ["DateTime", "SafeInt"]);
    }
}
