//! How a request reaches the schema: automatic persisted queries, a cache of parsed documents
//! bounded in bytes, the limits checked before any work (query size, cost: see
//! [`super::cost`]), GET's queries-only rule, and a stable `extensions.code` on every error of
//! the response.
//!
//! This is done around `Schema::execute` rather than as async-graphql extensions on purpose:
//! with any extension registered, async-graphql resolves every field and every list item
//! through the extension chain (a registry lookup and freshly formatted type names each time).
//! On the benchmark's nested query (50 users × 10 posts × author) that chain was about a
//! quarter of the request's time, for hooks that only ever look at the request and the
//! finished response. So async-graphql's own `ApolloPersistedQueries`, an extension, is not
//! used; its protocol is followed here instead. async-graphql keeps no parsed documents; the
//! cache here is `lru`'s, with the byte bound that `lru`, counting entries only, lacks.

use super::codes::code;
use super::cost::{self, Budget, CostModel};
use super::error_codes::{after_commit, code_errors, with_code};
use super::json::{self, Flat};
use super::plain::PlainSchema;
use async_graphql::Positioned;
use async_graphql::futures_util::StreamExt;
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::parser::types::{
    ExecutableDocument, OperationDefinition, OperationType, Selection,
};
use async_graphql::{Data, Executor, ObjectType, Request, Response, ServerError, SubscriptionType};
use hex::FromHex;
use lru::LruCache;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// What a request may ask of the pipeline before the schema sees it.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Longest query text, in bytes (`QUERY_TOO_LARGE`).
    pub max_query_bytes: usize,
    /// Most parsed documents kept.
    pub cache_entries: usize,
    /// Bytes the kept documents may take, as estimated by [`parsed_bytes`].
    pub cache_bytes: usize,
    /// The cost limits (selections, depth, cost), checked before any execution.
    pub budget: Budget,
}

/// The schema behind its request pipeline; cheap to clone.
pub struct Gateway<Q, M, S> {
    schema: PlainSchema<Q, M, S>,
    limits: Limits,
    costs: Arc<CostModel>,
    documents: Arc<Mutex<Documents>>,
}

impl<Q, M, S> Clone for Gateway<Q, M, S> {
    fn clone(&self) -> Self {
        Self {
            schema: self.schema.clone(),
            limits: self.limits,
            costs: self.costs.clone(),
            documents: self.documents.clone(),
        }
    }
}

/// Parsed documents that passed the cost check, by the SHA-256 of their text, bounded in
/// count and in bytes.
struct Documents {
    kept: LruCache<[u8; 32], Arc<Kept>>,
    bytes: usize,
}

struct Kept {
    document: ExecutableDocument,
    bytes: usize,
    /// Whether its objects may be written as they are resolved ([`json::is_flat`]).
    flat: bool,
}

/// Bytes a parsed document takes, from its text: 8 to 29 times the text's length, measured on
/// 100 KB documents of aliases, nested selections and arguments.
pub fn parsed_bytes(query: &str) -> usize {
    query.len().saturating_mul(32)
}

/// The `persistedQuery` request extension (Apollo's automatic persisted queries, version 1).
#[derive(Deserialize)]
struct PersistedQuery {
    version: i32,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

/// A request that passed [`Gateway::prepare`].
struct Prepared {
    cost: u64,
    /// Whether it runs a mutation, whose errors [`after_commit`] reads.
    mutation: bool,
    /// Its document, which [`code_errors`] reads.
    kept: Arc<Kept>,
}

/// Which operations a request may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Allowed<'a> {
    Any,
    /// GET: queries only, however the document arrives (text, persisted hash, or both).
    QueriesOnly,
    /// A request with an idempotency key: a mutation runs one root field, one of these.
    Keyed(&'a [&'a str]),
}

impl<Q, M, S> Gateway<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    /// `schema` behind `limits`, its documents costed by `costs`.
    pub fn new(schema: PlainSchema<Q, M, S>, costs: CostModel, limits: Limits) -> Self {
        let entries = std::num::NonZeroUsize::new(limits.cache_entries.max(1))
            .unwrap_or(std::num::NonZeroUsize::MIN);
        Self {
            schema,
            limits,
            costs: Arc::new(costs),
            documents: Arc::new(Mutex::new(Documents {
                kept: LruCache::new(entries),
                bytes: 0,
            })),
        }
    }

    /// Executes a request that came by POST. Like the other HTTP methods here, its response's
    /// data may hold flat objects: it is written with [`json::write_value`].
    pub async fn execute_post(&self, request: Request) -> Response {
        self.run(request, Allowed::Any, true).await
    }

    /// Executes a query that came by GET: anything but a query is refused with
    /// `METHOD_NOT_ALLOWED`, before it runs.
    pub async fn execute_query(&self, request: Request) -> Response {
        self.run(request, Allowed::QueriesOnly, true).await
    }

    /// Executes a request that carries an idempotency key: a mutation must select exactly one
    /// root field, and one of `fields` (those that record the key with their write), or it is
    /// refused with `IDEMPOTENCY_KEY_UNSUPPORTED` before it runs.
    pub async fn execute_keyed(&self, request: Request, fields: &[&str]) -> Response {
        self.run(request, Allowed::Keyed(fields), true).await
    }

    /// Runs `request`; with `flat`, a flat document's objects are written as they are
    /// resolved (see [`json`]).
    async fn run(&self, mut request: Request, allowed: Allowed<'_>, flat: bool) -> Response {
        let Prepared {
            cost,
            mutation,
            kept,
        } = match self.prepare(&mut request, allowed) {
            Ok(prepared) => prepared,
            Err(error) => return Response::from_errors(vec![error]),
        };
        if flat && kept.flat {
            request = request.data(Flat);
        }
        let response = self.schema.execute(request).await;
        let mut response = finished(response, mutation, &kept.document);
        response
            .extensions
            .insert("cost".to_owned(), cost::report(cost, self.limits.budget));
        response
    }

    /// Resolves a persisted query, parses the document (from the cache when it can), and
    /// refuses it before any work if it is too large, too costly, or not allowed here.
    fn prepare(
        &self,
        request: &mut Request,
        allowed: Allowed<'_>,
    ) -> Result<Prepared, ServerError> {
        let persisted = match request.extensions.remove("persistedQuery") {
            Some(value) => Some(
                async_graphql::from_value::<PersistedQuery>(value)
                    .map_err(|_| bad_request("Invalid \"PersistedQuery\" extension."))?,
            ),
            None => None,
        };
        if let Some(persisted) = &persisted
            && persisted.version != 1
        {
            return Err(bad_request(
                "only version 1 of the \"PersistedQuery\" extension is supported",
            ));
        }
        let kept = match &persisted {
            Some(persisted) if request.query.is_empty() => persisted
                .key()
                .and_then(|key| self.cached(&key))
                .ok_or_else(|| {
                    with_code(
                        ServerError::new("PersistedQueryNotFound", None),
                        code::PERSISTED_QUERY_NOT_FOUND,
                    )
                })?,
            _ => {
                if request.query.len() > self.limits.max_query_bytes {
                    return Err(with_code(
                        ServerError::new(
                            format!(
                                "the query is {} bytes long; at most {} are accepted",
                                request.query.len(),
                                self.limits.max_query_bytes
                            ),
                            None,
                        ),
                        code::QUERY_TOO_LARGE,
                    ));
                }
                let key = digest(&request.query);
                if let Some(persisted) = &persisted
                    && persisted.key() != Some(key)
                {
                    return Err(bad_request("provided sha does not match query"));
                }
                self.parsed(key, &request.query)?
            }
        };
        let operation = request.operation_name.as_deref();
        if allowed == Allowed::QueriesOnly
            && selects(&kept.document, operation, |ty| ty != OperationType::Query)
        {
            return Err(with_code(
                ServerError::new(
                    "mutations and subscriptions need POST (or WebSocket); GET is for queries",
                    None,
                ),
                code::METHOD_NOT_ALLOWED,
            ));
        }
        let cost = cost::check(
            &self.costs,
            &kept.document,
            request.operation_name.as_deref(),
            &request.variables,
            self.limits.budget,
        )?;
        missing_variables(&kept.document, request)?;
        let mutation = selects(&kept.document, operation, |ty| {
            ty == OperationType::Mutation
        });
        if let Allowed::Keyed(fields) = allowed
            && mutation
        {
            one_keyed_field(&kept.document, operation, fields)?;
        }
        request.set_parsed_query(kept.document.clone());
        Ok(Prepared {
            cost,
            mutation,
            kept,
        })
    }

    /// The document of `query`: from the cache, or parsed and kept if it fits the cache's
    /// byte budget. (Its cost depends on the variables, so it is checked per request.)
    fn parsed(&self, key: [u8; 32], query: &str) -> Result<Arc<Kept>, ServerError> {
        if let Some(kept) = self.cached(&key) {
            return Ok(kept);
        }
        let document = async_graphql::parser::parse_query(query)
            .map_err(|e| with_code(short(ServerError::from(e)), code::GRAPHQL_PARSE_FAILED))?;
        let kept = Arc::new(Kept {
            flat: json::is_flat(&document),
            document,
            bytes: parsed_bytes(query),
        });
        // One document may take at most an eighth of the budget: a few huge ones must not
        // push out every ordinary one.
        if kept.bytes <= self.limits.cache_bytes / 8 {
            let mut documents = self.lock();
            if let Some((_, old)) = documents.kept.push(key, kept.clone()) {
                documents.bytes -= old.bytes;
            }
            documents.bytes += kept.bytes;
            while documents.bytes > self.limits.cache_bytes {
                match documents.kept.pop_lru() {
                    Some((_, old)) => documents.bytes -= old.bytes,
                    None => break,
                }
            }
        }
        Ok(kept)
    }

    fn cached(&self, key: &[u8; 32]) -> Option<Arc<Kept>> {
        self.lock().kept.get(key).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Documents> {
        // The cache's byte count is restored before any call that could panic.
        self.documents.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Refuses a request that leaves out a variable its operation requires (non-null, no
/// default): a request error, as GraphQL's CoerceVariableValues says. async-graphql finds out
/// only when a resolver reads the variable, as an error nobody can tell from a bug.
fn missing_variables(document: &ExecutableDocument, request: &Request) -> Result<(), ServerError> {
    let wanted = request.operation_name.as_deref();
    for (name, operation) in document.operations.iter() {
        if wanted.is_some_and(|w| name.is_none_or(|n| n.as_str() != w)) {
            continue;
        }
        for variable in &operation.node.variable_definitions {
            let definition = &variable.node;
            if definition.var_type.node.nullable || definition.default_value.is_some() {
                continue;
            }
            let given = request
                .variables
                .get(&definition.name.node)
                .is_some_and(|v| *v != async_graphql::Value::Null);
            if !given {
                return Err(with_code(
                    ServerError::new(
                        format!(
                            "Variable \"${}\" of required type \"{}\" was not provided.",
                            definition.name.node, definition.var_type.node
                        ),
                        Some(variable.pos),
                    ),
                    code::GRAPHQL_VALIDATION_FAILED,
                ));
            }
        }
    }
    Ok(())
}

/// `response` to `document` with every error coded and, for a mutation, the outcome of its
/// writes told right ([`after_commit`]).
fn finished(mut response: Response, mutation: bool, document: &ExecutableDocument) -> Response {
    code_errors(&mut response.errors, document);
    if mutation {
        after_commit(&mut response.errors);
    }
    response
}

/// Refuses a keyed mutation unless its one root field (`__typename` aside) is one of `fields`:
/// a key is recorded by the write it names, so a document of several writes, or of a write
/// that keeps no key, could run twice.
fn one_keyed_field(
    document: &ExecutableDocument,
    name: Option<&str>,
    fields: &[&str],
) -> Result<(), ServerError> {
    let refused = |message: &str| {
        Err(with_code(
            ServerError::new(message, None),
            code::IDEMPOTENCY_KEY_UNSUPPORTED,
        ))
    };
    let mut operations = chosen(document, name);
    let (Some(operation), None) = (operations.next(), operations.next()) else {
        // No single operation: execution reports that.
        return Ok(());
    };
    let mut selected = Vec::new();
    for selection in &operation.node.selection_set.node.items {
        match &selection.node {
            Selection::Field(field) if field.node.name.node == "__typename" => {}
            Selection::Field(field) => selected.push(field.node.name.node.as_str()),
            _ => {
                return refused(
                    "with an Idempotency-Key, a mutation selects its one field directly, not through a fragment",
                );
            }
        }
    }
    match selected.as_slice() {
        [field] if fields.contains(field) => Ok(()),
        [field] => refused(&format!(
            "`{field}` does not take an Idempotency-Key here; these do: {}",
            fields.join(", ")
        )),
        _ => refused("with an Idempotency-Key, a mutation runs exactly one field"),
    }
}

/// Whether the operation `name` (or, without a name, any of the document's) is of a type
/// `kind` accepts. A document whose operation cannot be chosen is left to execution to
/// report.
fn selects(
    document: &ExecutableDocument,
    name: Option<&str>,
    kind: impl Fn(OperationType) -> bool,
) -> bool {
    chosen(document, name).any(|op| kind(op.node.ty))
}

/// The operations `name` can mean: the one of that name, or without a name every one.
fn chosen<'a>(
    document: &'a ExecutableDocument,
    name: Option<&'a str>,
) -> impl Iterator<Item = &'a Positioned<OperationDefinition>> {
    document
        .operations
        .iter()
        .filter(move |(op_name, _)| match name {
            Some(wanted) => op_name.is_some_and(|n| n.as_str() == wanted),
            None => true,
        })
        .map(|(_, op)| op)
}

impl<Q, M, S> Executor for Gateway<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    async fn execute(&self, request: Request) -> Response {
        self.run(request, Allowed::Any, false).await
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let (mutation, kept) = match self.prepare(&mut request, Allowed::Any) {
            Ok(prepared) => (prepared.mutation, prepared.kept),
            Err(error) => {
                let response = Response::from_errors(vec![error]);
                return futures_util::stream::once(async move { response }).boxed();
            }
        };
        self.schema
            .execute_stream_with_session_data(request, session_data.unwrap_or_default())
            .map(move |response| finished(response, mutation, &kept.document))
            .boxed()
    }
}

/// A parse error without the copy of the offending line (and a caret line as long) that the
/// parser puts in its message: a 100 KB one-line document would come back twice as large.
fn short(mut error: ServerError) -> ServerError {
    const LONGEST: usize = 300;
    if error.message.len() > LONGEST {
        let lines: Vec<&str> = error.message.lines().map(str::trim).collect();
        let at = lines.first().copied().unwrap_or_default();
        let why = lines.last().copied().unwrap_or_default();
        let mut message = format!("syntax error {at}: {}", why.trim_start_matches("= "));
        if message.len() > LONGEST {
            let mut end = LONGEST;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
        }
        error.message = message;
    }
    error
}

fn digest(query: &str) -> [u8; 32] {
    Sha256::digest(query.as_bytes()).into()
}

fn bad_request(message: &str) -> ServerError {
    with_code(ServerError::new(message, None), code::BAD_REQUEST)
}

impl PersistedQuery {
    /// The digest its hash names, in lowercase or uppercase hex; `None` if it names none.
    fn key(&self) -> Option<[u8; 32]> {
        <[u8; 32]>::from_hex(&self.sha256_hash).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::{PersistedQuery, digest, parsed_bytes};
    use crate::graphql::engine::codes::code;
    use crate::graphql::engine::tiny_schema::{LIMITS, codes, gateway};
    use async_graphql::{Executor, Request};
    use serde_json::json;

    fn by_hash(query: &str) -> Request {
        let hash = hex::encode(digest(query));
        let mut request = Request::new("");
        request.extensions.insert(
            "persistedQuery".to_owned(),
            async_graphql::Value::from_json(json!({ "version": 1, "sha256Hash": hash }))
                .expect("a value"),
        );
        request
    }

    #[tokio::test]
    async fn a_persisted_hash_serves_only_the_text_it_digests() {
        let gateway = gateway(LIMITS);
        let mut wrong = by_hash("{ echo(n: 2) }");
        wrong.query = "{ echo(n: 1) }".to_owned();
        assert_eq!(codes(&gateway.execute(wrong).await), [code::BAD_REQUEST]);
        for query in ["{ echo(n: 1) }", "{ echo(n: 2) }"] {
            let unknown = gateway.execute(by_hash(query)).await;
            assert_eq!(
                codes(&unknown),
                [code::PERSISTED_QUERY_NOT_FOUND],
                "{query}"
            );
        }
        let mut right = by_hash("{ echo(n: 1) }");
        right.query = "{ echo(n: 1) }".to_owned();
        assert_eq!(codes(&gateway.execute(right).await), [] as [&str; 0]);
        let known = gateway.execute(by_hash("{ echo(n: 1) }")).await;
        assert_eq!(known.data.into_json().expect("JSON"), json!({ "echo": 1 }));
    }

    #[tokio::test]
    async fn kept_documents_stay_within_their_bytes() {
        let each = parsed_bytes("{ echo(n: 10) }");
        let gateway = gateway(super::Limits {
            cache_bytes: each * 8,
            ..LIMITS
        });
        for n in 10..40 {
            let query = format!("{{ echo(n: {n}) }}");
            assert_eq!(
                codes(&gateway.execute(Request::new(&query)).await),
                [] as [&str; 0]
            );
            let documents = gateway.lock();
            let kept: usize = documents.kept.iter().map(|(_, kept)| kept.bytes).sum();
            assert_eq!(documents.bytes, kept);
            assert!(
                documents.bytes <= each * 8,
                "{n}: {} bytes",
                documents.bytes
            );
        }
        // The latest are served by their hash alone, the first were pushed out.
        let latest = gateway.execute(by_hash("{ echo(n: 39) }")).await;
        assert_eq!(
            latest.data.into_json().expect("JSON"),
            json!({ "echo": 39 })
        );
        let first = gateway.execute(by_hash("{ echo(n: 10) }")).await;
        assert_eq!(codes(&first), [code::PERSISTED_QUERY_NOT_FOUND]);
        // A document past an eighth of the bytes is answered but not kept.
        let large = format!("{{ echo(n: 1) }} #{}", "x".repeat(each));
        assert_eq!(
            codes(&gateway.execute(Request::new(&large)).await),
            [] as [&str; 0]
        );
        let again = gateway.execute(by_hash(&large)).await;
        assert_eq!(codes(&again), [code::PERSISTED_QUERY_NOT_FOUND]);
    }

    fn key(hash: &str) -> Option<[u8; 32]> {
        PersistedQuery {
            version: 1,
            sha256_hash: hash.to_owned(),
        }
        .key()
    }

    #[test]
    fn hex_digests() {
        let hex = "00ff10Aa".repeat(8);
        let bytes = key(&hex).unwrap();
        assert_eq!(&bytes[..4], &[0x00, 0xff, 0x10, 0xaa]);
        assert_eq!(key("abc"), None);
        assert_eq!(key(&"zz".repeat(32)), None);
    }
}
