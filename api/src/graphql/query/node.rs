//! `node` and `nodes`: any object by its global id.

use crate::graphql::args::{parse_global, parse_ids_any};
use crate::graphql::error::{GqlResult, bad_input, null_on_error};
use crate::graphql::types::Node;
use crate::graphql::viewer::viewer;
use async_graphql::{Context, ID, Object};
use service::{DatabaseConnection, nodes};

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this global id, or null when there is none the caller may see (the
    /// same rules as the type's own lookup: a draft for its author, an order for its
    /// customer). A malformed id is BAD_USER_INPUT.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id, as any object's `id` gives it.")] id: ID,
    ) -> Option<Node> {
        // Nullable: an error here nulls this field only (see `null_on_error`).
        let found = async {
            let key = parse_global("id", &id)?;
            let db = ctx.data::<DatabaseConnection>()?;
            let mut found = nodes::by_ids(db, &viewer(ctx), &[key]).await.gql()?;
            Ok(found.remove(&key).map(Node::from))
        }
        .await;
        null_on_error(ctx, found)
    }

    /// The objects with these global ids, in the same order, each null when there is none
    /// the caller may see; one statement per type asked for.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids, at most 100.")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > nodes::MAX_KEYS {
            return Err(bad_input(
                "ids",
                format!("at most {} ids at once", nodes::MAX_KEYS),
            ));
        }
        let keys = parse_ids_any("ids", &ids)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let found = nodes::by_ids(db, &viewer(ctx), &keys).await.gql()?;
        Ok(keys
            .iter()
            .map(|key| found.get(key).cloned().map(Node::from))
            .collect())
    }
}
