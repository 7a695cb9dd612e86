//! Gives every error a stable `extensions.code`, including the ones async-graphql raises
//! itself (parse, validation, limits, persisted queries), and hides anything unexpected
//! behind INTERNAL after logging it. [`super::gateway`] applies it to every response.

use crate::graphql::error::code;
use async_graphql::{ErrorExtensionValues, ServerError};

/// Codes of errors raised before execution: the request itself is at fault (HTTP 400 for
/// `application/graphql-response+json` clients).
pub const REQUEST_ERROR_CODES: [&str; 6] = [
    code::GRAPHQL_PARSE_FAILED,
    code::GRAPHQL_VALIDATION_FAILED,
    code::QUERY_TOO_DEEP,
    code::QUERY_TOO_COMPLEX,
    code::QUERY_TOO_LARGE,
    code::PERSISTED_QUERY_NOT_FOUND,
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

/// Codes every error of a response that has none yet.
///
/// Errors without a path were raised before execution (validation, limits, an unknown
/// operation); errors with one were raised while resolving a field.
pub fn code_errors(errors: &mut [ServerError]) {
    for error in errors.iter_mut() {
        if has_code(error) {
            continue;
        }
        let taken = std::mem::replace(error, ServerError::new(String::new(), None));
        *error = if taken.path.is_empty() {
            let code = request_error_code(&taken);
            with_code(taken, code)
        } else {
            code_execution_error(taken)
        };
    }
}

fn request_error_code(error: &ServerError) -> &'static str {
    match error.message.as_str() {
        // Checked by the parser's stage: the document nests values or selections too deeply.
        m if m.starts_with("The recursion depth") => code::GRAPHQL_PARSE_FAILED,
        _ => code::GRAPHQL_VALIDATION_FAILED,
    }
}

/// Execution errors we did not raise ourselves: bad argument values are the caller's;
/// anything else is ours and is not shown.
fn code_execution_error(error: ServerError) -> ServerError {
    if has_code(&error) {
        return error;
    }
    // async-graphql's own words for an input that does not coerce to its type.
    let input = [
        "Failed to parse",
        "Invalid value for argument",
        "Invalid value for variable",
        "Expected input type",
    ];
    if input.iter().any(|p| error.message.starts_with(p)) {
        return with_code(error, code::BAD_USER_INPUT);
    }
    tracing::error!(error = %error.message, path = ?error.path, "internal error while resolving a field");
    ServerError {
        message: "internal error".into(),
        source: None,
        ..with_code(error, code::INTERNAL)
    }
}

#[cfg(test)]
mod tests {
    use super::code_errors;
    use async_graphql::{PathSegment, ServerError};

    fn code(error: &ServerError) -> String {
        error
            .extensions
            .as_ref()
            .unwrap()
            .get("code")
            .unwrap()
            .to_string()
    }

    #[test]
    fn errors_are_coded_by_stage() {
        let mut field = ServerError::new("Invalid value for argument \"id\"", None);
        field.path = vec![PathSegment::Field("user".into())];
        let mut internal = ServerError::new("connection reset", None);
        internal.path = vec![PathSegment::Field("users".into())];
        let mut errors = vec![
            ServerError::new(
                "The recursion depth of the query cannot be greater than `32`",
                None,
            ),
            ServerError::new("Unknown field \"x\" on type \"Query\".", None),
            field,
            internal,
        ];
        code_errors(&mut errors);
        assert_eq!(code(&errors[0]), "\"GRAPHQL_PARSE_FAILED\"");
        assert_eq!(code(&errors[1]), "\"GRAPHQL_VALIDATION_FAILED\"");
        assert_eq!(code(&errors[2]), "\"BAD_USER_INPUT\"");
        assert_eq!(code(&errors[3]), "\"INTERNAL\"");
        assert_eq!(
            errors[3].message, "internal error",
            "internals are not shown"
        );
    }
}
