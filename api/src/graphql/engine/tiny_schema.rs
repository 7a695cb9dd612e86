//! A schema of a few fields for the engine's own tests, so the engine is tested without
//! shopgraph's schema.

use super::codes::code;
use super::cost::{Budget, CostModel, Sizes};
use super::gateway::{Gateway, Limits};
use super::plain::PlainBuilder;
use async_graphql::{
    Context, EmptyMutation, EmptySubscription, Error, ErrorExtensions, Executor, Object, Request,
    Response, Result,
};

/// The root: one field for each way an error can arise.
pub struct Query;

#[Object]
impl Query {
    /// `n` back. An `Int`: async-graphql refuses a value past 32 bits when it coerces it,
    /// after validation let it through.
    async fn echo(&self, n: i32) -> i32 {
        n
    }

    /// Reads data the schema was never given: an error with no code, as a bug would raise.
    async fn broken(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(ctx.data::<Missing>()?.0)
    }

    /// Refuses with a code, as the schema's resolvers do.
    async fn refused(&self) -> Result<i32> {
        Err(Error::new("not for you").extend_with(|_, e| e.set("code", code::FORBIDDEN)))
    }

    /// A chain of objects as long as a query nests.
    async fn node(&self) -> Node {
        Node
    }
}

struct Missing(i32);

/// A link of [`Query::node`]'s chain.
pub struct Node;

#[Object]
impl Node {
    async fn child(&self) -> Node {
        Node
    }

    async fn leaf(&self) -> i32 {
        1
    }
}

/// Limits wide enough for every test here but the one that means to pass them.
pub const LIMITS: Limits = Limits {
    max_query_bytes: 100_000,
    cache_entries: 100,
    cache_bytes: 1 << 20,
    budget: Budget {
        max_selections: 10_000,
        max_depth: 1_000,
        max_cost: 1_000_000,
    },
};

/// The tiny schema behind a gateway with `limits`.
pub fn gateway(limits: Limits) -> Gateway<Query, EmptyMutation, EmptySubscription> {
    let schema = PlainBuilder::new(Query, EmptyMutation, EmptySubscription).finish();
    let sizes = Sizes {
        lists: &[],
        default_page: 20,
        max_page: 100,
    };
    let costs = CostModel::from_sdl(&schema.sdl(), sizes).expect("the tiny schema's SDL parses");
    Gateway::new(schema, costs, limits)
}

/// `query` through a gateway with [`LIMITS`], with `variables`.
pub async fn run(query: &str, variables: serde_json::Value) -> Response {
    let request = Request::new(query).variables(async_graphql::Variables::from_json(variables));
    gateway(LIMITS).execute(request).await
}

/// The `extensions.code` of each error of `response`.
pub fn codes(response: &Response) -> Vec<String> {
    response
        .errors
        .iter()
        .map(
            |e| match e.extensions.as_ref().and_then(|x| x.get("code")) {
                Some(async_graphql::Value::String(code)) => code.clone(),
                other => format!("{other:?}"),
            },
        )
        .collect()
}

/// A query nesting `levels` selection sets below the root's.
pub fn nested(levels: usize) -> String {
    let mut query = String::from("{ node { ");
    for _ in 1..levels {
        query.push_str("child { ");
    }
    query.push_str("leaf");
    query.push_str(&" }".repeat(levels + 1));
    query
}
