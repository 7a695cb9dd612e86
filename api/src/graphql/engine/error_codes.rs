//! Gives every error of a response a stable `extensions.code`, decided by where the error
//! arose, never by what its message says (async-graphql's wording may change with any
//! release):
//!
//! - the engine's own refusals (parse, size, persisted queries, cost, nesting, GET) and the
//!   schema's errors (`graphql::error`) are coded where they are raised;
//! - an uncoded error without a path came out of async-graphql's preparation of the request:
//!   validation or choosing the operation (the engine parses the document itself, and
//!   [`super::plain`] leaves async-graphql no limit of its own to refuse with), so
//!   GRAPHQL_VALIDATION_FAILED;
//! - an uncoded error with a path that points at one of the document's argument values is
//!   async-graphql failing to coerce that argument (`Context::param_value` places its error
//!   there; a resolver's error points at its field), so BAD_USER_INPUT;
//! - anything else is unexpected: logged, and shown as INTERNAL without its message.
//!
//! [`after_commit`] then tells a mutation's outcome right.

use super::codes::{code, outcome};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Pos, Positioned, ServerError};
use std::collections::HashSet;

/// Codes of errors raised before execution: the request itself is at fault (HTTP 400 for
/// `application/graphql-response+json` clients).
pub const REQUEST_ERROR_CODES: [&str; 7] = [
    code::GRAPHQL_PARSE_FAILED,
    code::GRAPHQL_VALIDATION_FAILED,
    code::QUERY_TOO_DEEP,
    code::QUERY_TOO_COMPLEX,
    code::QUERY_TOO_LARGE,
    code::PERSISTED_QUERY_NOT_FOUND,
    code::IDEMPOTENCY_KEY_UNSUPPORTED,
];

/// `error` with `code`, unless it has one already.
pub(crate) fn with_code(mut error: ServerError, code: &str) -> ServerError {
    if !has_code(&error) {
        error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default)
            .set("code", code);
    }
    error
}

fn has_code(error: &ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some())
}

/// Codes every error of the response to `document` that has none yet.
pub fn code_errors(errors: &mut [ServerError], document: &ExecutableDocument) {
    // Found only when an error needs them: nearly every response has no uncoded error.
    let mut arguments = None;
    for error in errors.iter_mut().filter(|e| !has_code(e)) {
        if error.path.is_empty() {
            let taken = std::mem::replace(error, ServerError::new(String::new(), None));
            *error = with_code(taken, code::GRAPHQL_VALIDATION_FAILED);
            continue;
        }
        let arguments = arguments.get_or_insert_with(|| argument_positions(document));
        let at_argument = error
            .locations
            .first()
            .is_some_and(|at| arguments.contains(at));
        let taken = std::mem::replace(error, ServerError::new(String::new(), None));
        *error = if at_argument {
            with_code(taken, code::BAD_USER_INPUT)
        } else {
            internal(taken)
        };
    }
}

/// An unexpected error, logged in full and shown without its message.
fn internal(error: ServerError) -> ServerError {
    tracing::error!(error = %error.message, path = ?error.path, "internal error while resolving a field");
    ServerError {
        message: "internal error".into(),
        source: None,
        ..with_code(error, code::INTERNAL)
    }
}

/// Where each argument value of `document`'s fields starts, operations and fragments alike.
fn argument_positions(document: &ExecutableDocument) -> HashSet<Pos> {
    let mut sets: Vec<&Positioned<SelectionSet>> = document
        .operations
        .iter()
        .map(|(_, operation)| &operation.node.selection_set)
        .chain(document.fragments.values().map(|f| &f.node.selection_set))
        .collect();
    let mut positions = HashSet::new();
    while let Some(set) = sets.pop() {
        for selection in &set.node.items {
            match &selection.node {
                Selection::Field(field) => {
                    positions.extend(field.node.arguments.iter().map(|(_, value)| value.pos));
                    sets.push(&field.node.selection_set);
                }
                Selection::InlineFragment(inline) => sets.push(&inline.node.selection_set),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    positions
}

/// Corrects, in a mutation's response, the UNAVAILABLE errors met below a root field: a root
/// field's selection is resolved only once its write has committed, so what failed there was
/// a read of the result, and the write is APPLIED. Told NOT_APPLIED, a client would send it
/// again and, say, place the order twice.
pub fn after_commit(errors: &mut [ServerError]) {
    for error in errors.iter_mut().filter(|e| e.path.len() > 1) {
        let Some(extensions) = error.extensions.as_mut() else {
            continue;
        };
        let unavailable = extensions.get("code") == Some(&code::UNAVAILABLE.into());
        if unavailable && extensions.get("outcome") == Some(&outcome::NOT_APPLIED.into()) {
            extensions.set("outcome", outcome::APPLIED);
            error.message = "the write was applied, but reading its result back failed; \
                             query it again rather than repeating the write"
                .to_owned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::engine::cost::MAX_NESTING;
    use crate::graphql::engine::tiny_schema::{codes, nested, run};
    use async_graphql::PathSegment;
    use serde_json::json;

    #[tokio::test]
    async fn errors_are_coded_by_where_they_arose() {
        let refused = [
            ("{ echo(n: ", json!({}), code::GRAPHQL_PARSE_FAILED),
            // The engine's own nesting check, not async-graphql's.
            (
                &nested(MAX_NESTING + 1),
                json!({}),
                code::GRAPHQL_PARSE_FAILED,
            ),
            ("{ nope }", json!({}), code::GRAPHQL_VALIDATION_FAILED),
            (
                "{ echo(n: \"x\") }",
                json!({}),
                code::GRAPHQL_VALIDATION_FAILED,
            ),
            (
                "query($n: Int!) { echo(n: $n) }",
                json!({ "n": "x" }),
                code::GRAPHQL_VALIDATION_FAILED,
            ),
        ];
        for (query, variables, code) in refused {
            let response = run(query, variables).await;
            assert_eq!(codes(&response), [code], "{query}");
            assert_eq!(response.data, async_graphql::Value::Null, "{query}");
        }
        let operation =
            async_graphql::Request::new("query A { leaf: echo(n: 1) }").operation_name("B");
        let response = async_graphql::Executor::execute(
            &crate::graphql::engine::tiny_schema::gateway(
                crate::graphql::engine::tiny_schema::LIMITS,
            ),
            operation,
        )
        .await;
        assert_eq!(codes(&response), [code::GRAPHQL_VALIDATION_FAILED]);

        // Nested as deep as allowed, async-graphql runs it too.
        let response = run(&nested(MAX_NESTING), json!({})).await;
        assert_eq!(codes(&response), [] as [&str; 0]);

        // Errors while resolving, each at its field.
        let resolving = [
            ("query($big: Int!) { echo(n: $big) }", code::BAD_USER_INPUT),
            ("{ echo(n: 4294967296) }", code::BAD_USER_INPUT),
            ("{ refused }", code::FORBIDDEN),
            ("{ broken }", code::INTERNAL),
        ];
        for (query, code) in resolving {
            let response = run(query, json!({ "big": 1_u64 << 40 })).await;
            assert_eq!(codes(&response), [code], "{query}");
            assert!(!response.errors[0].path.is_empty(), "{query}");
        }
        let response = run("{ broken }", json!({})).await;
        assert_eq!(
            response.errors[0].message, "internal error",
            "internals are not shown"
        );
    }

    fn unavailable(path: &[&str], outcome: &str) -> ServerError {
        let mut error = ServerError::new("the connection to the database was lost", None);
        error.path = path
            .iter()
            .map(|p| PathSegment::Field((*p).into()))
            .collect();
        let extensions = error.extensions.get_or_insert_with(Default::default);
        extensions.set("code", code::UNAVAILABLE);
        extensions.set("outcome", outcome);
        error
    }

    fn outcome_of(error: &ServerError) -> &async_graphql::Value {
        error.extensions.as_ref().unwrap().get("outcome").unwrap()
    }

    #[test]
    fn a_read_below_a_mutation_field_reports_the_write_applied() {
        let mut errors = vec![
            unavailable(&["createOrder", "customer"], outcome::NOT_APPLIED),
            // The root field itself: its write did not happen.
            unavailable(&["createOrder"], outcome::NOT_APPLIED),
            // The commit broke: still unknown.
            unavailable(&["other", "id"], outcome::UNKNOWN),
        ];
        after_commit(&mut errors);
        assert_eq!(*outcome_of(&errors[0]), outcome::APPLIED.into());
        assert!(errors[0].message.contains("applied"));
        assert_eq!(*outcome_of(&errors[1]), outcome::NOT_APPLIED.into());
        assert_eq!(*outcome_of(&errors[2]), outcome::UNKNOWN.into());
    }

    #[test]
    fn argument_values_are_found_in_operations_and_fragments() {
        let document = async_graphql::parser::parse_query(
            "query($n: Int) { a(x: 1) { b(y: $n) { ...F ... on T { c(z: [2]) } } } }\n\
             fragment F on T { d(w: { v: 3 }) }",
        )
        .expect("parses");
        let mut found: Vec<Pos> = argument_positions(&document).into_iter().collect();
        found.sort();
        let at = |line, column| Pos { line, column };
        assert_eq!(
            found,
            [at(1, 23), at(1, 33), at(1, 60), at(2, 24)],
            "the start of each argument's value"
        );
    }
}
