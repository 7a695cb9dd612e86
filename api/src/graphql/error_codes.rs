//! Gives every error a stable `extensions.code`, including the ones async-graphql raises
//! itself (parse, validation, limits, persisted queries), and hides anything unexpected
//! behind INTERNAL after logging it.

use super::error::code;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    ErrorExtensionValues, Request, Response, ServerError, ServerResult, ValidationResult, Variables,
};
use std::sync::Arc;

/// Codes of errors raised before execution: the request itself is at fault (HTTP 400 for
/// `application/graphql-response+json` clients).
pub const REQUEST_ERROR_CODES: [&str; 5] = [
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "QUERY_TOO_DEEP",
    "QUERY_TOO_COMPLEX",
    "PERSISTED_QUERY_NOT_FOUND",
];

/// The extension; register it before any other so it sees their errors too.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

fn has_code(error: &ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some())
}

fn with_code(mut error: ServerError, code: &str) -> ServerError {
    if !has_code(&error) {
        error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default)
            .set("code", code);
    }
    error
}

fn validation_code(error: &ServerError) -> &'static str {
    match error.message.as_str() {
        "Query is nested too deep." => "QUERY_TOO_DEEP",
        "Query is too complex." => "QUERY_TOO_COMPLEX",
        _ => "GRAPHQL_VALIDATION_FAILED",
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        next.run(ctx, request).await.map_err(|e| {
            let code = if e.message == "PersistedQueryNotFound" {
                "PERSISTED_QUERY_NOT_FOUND"
            } else {
                "BAD_REQUEST"
            };
            with_code(e, code)
        })
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|e| with_code(e, "GRAPHQL_PARSE_FAILED"))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let code = validation_code(&e);
                    with_code(e, code)
                })
                .collect()
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .map(code_execution_error)
            .collect();
        response
    }
}

/// Execution errors we did not raise ourselves: bad argument values are the caller's;
/// anything else is ours and is not shown.
fn code_execution_error(error: ServerError) -> ServerError {
    if has_code(&error) {
        return error;
    }
    let input = [
        "Failed to parse",
        "Invalid value for argument",
        "Invalid value for variable",
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
