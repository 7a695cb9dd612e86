//! How a request reaches the schema: automatic persisted queries, a cache of parsed
//! documents, and a stable `extensions.code` on every error of the response.
//!
//! This is done around `Schema::execute` rather than as async-graphql extensions on purpose:
//! with any extension registered, async-graphql resolves every field and every list item
//! through the extension chain (a registry lookup and freshly formatted type names each time).
//! On the benchmark's nested query (50 users × 10 posts × author) that chain was about a
//! quarter of the request's time, for hooks that only ever look at the request and the
//! finished response.

use super::AppSchema;
use super::error_codes::{code_errors, with_code};
use async_graphql::futures_util::StreamExt;
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Data, Executor, Request, Response, ServerError};
use lru::LruCache;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

/// The schema behind its request pipeline; cheap to clone.
#[derive(Clone)]
pub struct Gateway {
    schema: AppSchema,
    documents: Arc<Mutex<LruCache<[u8; 32], Arc<ExecutableDocument>>>>,
}

/// The `persistedQuery` request extension (Apollo's automatic persisted queries, version 1).
#[derive(Deserialize)]
struct PersistedQuery {
    version: i32,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

impl Gateway {
    /// `schema`, keeping the parsed documents of the `cache_size` most recently used queries:
    /// they serve persisted-query hashes and spare repeated queries the parser.
    pub fn new(schema: AppSchema, cache_size: usize) -> Self {
        let capacity = NonZeroUsize::new(cache_size.max(1)).expect("at least one");
        Self {
            schema,
            documents: Arc::new(Mutex::new(LruCache::new(capacity))),
        }
    }

    /// Resolves a persisted query and parses the document (from the cache when it can).
    fn prepare(&self, request: &mut Request) -> Result<(), ServerError> {
        let persisted = match request.extensions.remove("persistedQuery") {
            Some(value) => Some(
                async_graphql::from_value::<PersistedQuery>(value)
                    .map_err(|_| bad_request("Invalid \"PersistedQuery\" extension."))?,
            ),
            None => None,
        };
        if let Some(persisted) = &persisted {
            if persisted.version != 1 {
                return Err(bad_request(
                    "only version 1 of the \"PersistedQuery\" extension is supported",
                ));
            }
            if request.query.is_empty() {
                let document = from_hex(&persisted.sha256_hash).and_then(|key| self.cached(&key));
                let Some(document) = document else {
                    return Err(with_code(
                        ServerError::new("PersistedQueryNotFound", None),
                        "PERSISTED_QUERY_NOT_FOUND",
                    ));
                };
                request.set_parsed_query(ExecutableDocument::clone(&document));
                return Ok(());
            }
        }
        let key = digest(&request.query);
        if let Some(persisted) = &persisted
            && from_hex(&persisted.sha256_hash) != Some(key)
        {
            return Err(bad_request("provided sha does not match query"));
        }
        let document = self.parsed(key, &request.query)?;
        request.set_parsed_query(ExecutableDocument::clone(&document));
        Ok(())
    }

    /// The parsed document of `query`: from the cache, or parsed once and kept.
    pub fn document(&self, query: &str) -> Result<Arc<ExecutableDocument>, ServerError> {
        self.parsed(digest(query), query)
    }

    fn parsed(&self, key: [u8; 32], query: &str) -> Result<Arc<ExecutableDocument>, ServerError> {
        if let Some(document) = self.cached(&key) {
            return Ok(document);
        }
        let document = Arc::new(
            async_graphql::parser::parse_query(query)
                .map_err(|e| with_code(ServerError::from(e), "GRAPHQL_PARSE_FAILED"))?,
        );
        self.lock().put(key, document.clone());
        Ok(document)
    }

    fn cached(&self, key: &[u8; 32]) -> Option<Arc<ExecutableDocument>> {
        self.lock().get(key).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<[u8; 32], Arc<ExecutableDocument>>> {
        // The cache holds no invariant a panic could break.
        self.documents.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Executor for Gateway {
    async fn execute(&self, mut request: Request) -> Response {
        if let Err(error) = self.prepare(&mut request) {
            return Response::from_errors(vec![error]);
        }
        let mut response = self.schema.execute(request).await;
        code_errors(&mut response.errors);
        response
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        if let Err(error) = self.prepare(&mut request) {
            let response = Response::from_errors(vec![error]);
            return async_graphql::futures_util::stream::once(async move { response }).boxed();
        }
        self.schema
            .execute_stream_with_session_data(request, session_data.unwrap_or_default())
            .map(|mut response| {
                code_errors(&mut response.errors);
                response
            })
            .boxed()
    }
}

fn digest(query: &str) -> [u8; 32] {
    Sha256::digest(query.as_bytes()).into()
}

fn bad_request(message: &str) -> ServerError {
    with_code(ServerError::new(message, None), "BAD_REQUEST")
}

/// A SHA-256 digest from its lowercase or uppercase hex form.
fn from_hex(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let digit = |b: u8| (b as char).to_digit(16);
        out[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::from_hex;

    #[test]
    fn hex_digests() {
        let hex = "00ff10Aa".repeat(8);
        let bytes = from_hex(&hex).unwrap();
        assert_eq!(&bytes[..4], &[0x00, 0xff, 0x10, 0xaa]);
        assert_eq!(from_hex("abc"), None);
        assert_eq!(from_hex(&"zz".repeat(32)), None);
    }
}
