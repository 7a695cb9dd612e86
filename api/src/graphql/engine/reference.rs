//! async-graphql's own executor with none of the request path's fast paths: objects resolved by
//! `resolve_container` (not [`super::direct`]), no document cache, no cost walk, no turn. The
//! schema side gives it the schema and each request's data (loaders whose batches run on the
//! runtime, not through [`super::batching`]); the differential test holds every response of
//! the server to this one, byte for byte.

use super::codes::code;
use super::error_codes::{code_errors, with_code};
use super::plain::{PlainBuilder, PlainSchema};
use async_graphql::{ObjectType, Request, Response, ServerError, SubscriptionType};

/// Put in a schema's data, it sends [`super::direct::Direct`] objects down async-graphql's
/// own path.
pub struct Stock;

/// A schema on the stock executor.
pub struct Reference<Q, M, S> {
    schema: PlainSchema<Q, M, S>,
}

impl<Q, M, S> Reference<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    /// The schema `builder` makes, on the stock executor.
    pub fn new(builder: PlainBuilder<Q, M, S>) -> Self {
        Self {
            schema: builder.data(Stock).finish(),
        }
    }

    /// Executes `request`, coding its errors as the server does.
    pub async fn execute(&self, mut request: Request) -> Response {
        let document = match async_graphql::parser::parse_query(&request.query) {
            Ok(document) => document,
            Err(error) => {
                let error = with_code(ServerError::from(error), code::GRAPHQL_PARSE_FAILED);
                return Response::from_errors(vec![error]);
            }
        };
        request.set_parsed_query(document.clone());
        let mut response = self.schema.execute(request).await;
        code_errors(&mut response.errors, &document);
        response
    }
}
