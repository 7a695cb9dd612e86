//! What the schema's fields cost: the model [`crate::graphql::engine::cost`] reads from the
//! SDL, with what the SDL cannot say (how long each list of objects can be, how large a page
//! is) filled in here.

use crate::graphql::engine::cost::{CostModel, Sizes};

/// How long a list of objects outside a connection can be, by (type, field). A unit test makes
/// sure every list in the schema is named.
pub const LISTS: [(&str, &str, u64); 4] = [
    // One result per input.
    (
        "Mutation",
        "upsertProducts",
        service::products::MAX_UPSERTS as u64,
    ),
    ("Order", "items", service::orders::MAX_LINES as u64),
    ("Query", "nodes", service::nodes::MAX_KEYS as u64),
    // A user holds each role at most once: customer and admin.
    ("User", "roles", 2),
];

/// The sizes the cost model counts with.
pub const SIZES: Sizes = Sizes {
    lists: &LISTS,
    default_page: service::list::DEFAULT_PAGE_SIZE as u64,
    max_page: service::list::MAX_PAGE_SIZE as u64,
};

/// The cost model of the schema whose SDL is `sdl`.
#[expect(
    clippy::expect_used,
    reason = "the SDL is async-graphql's export of this schema; the tests below parse it"
)]
pub fn model(sdl: &str) -> CostModel {
    CostModel::from_sdl(sdl, SIZES).expect("the schema's own SDL parses")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::engine::cost::{Budget, check};
    use async_graphql::Variables;

    fn model() -> CostModel {
        super::model(&crate::graphql::sdl())
    }

    const BUDGET: Budget = Budget {
        max_selections: 1_000,
        max_depth: 12,
        max_cost: 25_000,
    };

    fn cost_of(query: &str, variables: serde_json::Value) -> Result<u64, String> {
        let document = async_graphql::parser::parse_query(query).expect("parses");
        let variables = Variables::from_json(variables);
        check(&model(), &document, None, &variables, BUDGET).map_err(|e| e.message)
    }

    fn refused(query: &str) -> Option<String> {
        cost_of(query, serde_json::json!({})).err()
    }

    /// `levels` fragments, each spreading the one before twice.
    fn chain(levels: usize) -> String {
        let mut query =
            String::from("query { users { nodes { ...F0 } } }\nfragment F1 on User { id name }\n");
        query = query.replace("...F0", &format!("...F{levels}"));
        for level in 2..=levels {
            query.push_str(&format!(
                "fragment F{level} on User {{ ...F{prev} ...F{prev} }}\n",
                prev = level - 1
            ));
        }
        query
    }

    #[test]
    fn pages_cost_what_they_fetch() {
        let q2 = "{ users(first: 50) { nodes { id name posts(first: 10) { nodes { id title author { id name } } } } } }";
        assert_eq!(
            cost_of(q2, serde_json::json!({})),
            Ok(1 + 50 * (1 + 1 + 10 * 2))
        );
        // The same through edges, a variable and a fragment.
        let edges = "query($n: Int) { users(first: $n) { edges { cursor node { ...U } } pageInfo { hasNextPage } totalCount } }
            fragment U on User { posts(first: 10) { edges { node { author { id } } } } }";
        assert_eq!(
            cost_of(edges, serde_json::json!({ "n": 50 })),
            Ok(1 + 50 * (1 + 1 + 10 * 2))
        );
        // The default page is 20; scalars are free.
        assert_eq!(
            cost_of(
                "{ products { totalCount nodes { name } } }",
                serde_json::json!({})
            ),
            Ok(1 + 20)
        );
        assert_eq!(cost_of("{ __typename }", serde_json::json!({})), Ok(0));
        // Lists outside connections count their bound: an order's lines.
        assert_eq!(
            cost_of(
                "{ orders(first: 2) { nodes { items { product { name } } } } }",
                serde_json::json!({})
            ),
            Ok(1 + 2 * (1 + 100 * 2))
        );
        let cube = "{ users(first: 100) { nodes { posts(first: 100) { nodes { author { posts(first: 100) { nodes { title } } } } } } } }";
        assert!(refused(cube).is_some_and(|m| m.contains("costs at least")));
    }

    #[test]
    fn every_list_of_objects_has_a_bound() {
        assert_eq!(model().unbounded(), &[] as &[String], "add them to LISTS");
    }

    #[test]
    fn introspection_is_free_but_bounded() {
        let query = include_str!("../../../tests/introspection.graphql");
        assert_eq!(cost_of(query, serde_json::json!({})), Ok(0));
        let cube = "{ __schema { types { fields { type { fields { name } } } } } }";
        assert!(refused(cube).is_some_and(|m| m.contains("introspection")));
        assert_eq!(
            refused("{ __type(name: \"User\") { fields { type { fields { name } } } } }"),
            None
        );
    }

    #[test]
    fn ordinary_queries_pass() {
        assert_eq!(refused(&chain(5)), None, "32 copies of two fields");
        assert_eq!(
            refused(
                "query { me { ...A ...A } } fragment A on User { id ...B } fragment B on User { name }"
            ),
            None
        );
    }

    #[test]
    fn fragment_chains_are_refused_quickly() {
        for levels in [12, 24, 30] {
            assert!(
                refused(&chain(levels)).is_some_and(|m| m.contains("selections")),
                "{levels} levels"
            );
        }
        // Past the nesting limit too: refused for that first.
        assert!(refused(&chain(1_000)).is_some());
    }

    #[test]
    fn depth_nesting_and_cycles() {
        let deep = format!(
            "{{ {}id{} }}",
            "me { orders { nodes { customer { ".repeat(3),
            " } } } }".repeat(3)
        );
        assert!(refused(&deep).is_some_and(|m| m.contains("deep")));
        assert!(
            refused("query { me { ...A } } fragment A on User { ...A ...A }")
                .is_some_and(|m| m.contains("within itself"))
        );
        assert!(
            refused(
                "query { me { ...A } } fragment A on User { ...B } fragment B on User { ...A }"
            )
            .is_some_and(|m| m.contains("within itself"))
        );
        // Spreads nested past async-graphql's recursion limit, without a single extra field.
        let mut spreads = String::from("query { me { ...S40 } }\nfragment S0 on User { id }\n");
        for level in 1..=40 {
            spreads.push_str(&format!(
                "fragment S{level} on User {{ ...S{} }}\n",
                level - 1
            ));
        }
        assert!(refused(&spreads).is_some_and(|m| m.starts_with("The recursion depth")));
    }
}
