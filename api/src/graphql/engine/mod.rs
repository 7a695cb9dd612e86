//! The execution layer: how a request reaches the schema and how the schema runs it. It knows
//! nothing of shopgraph's schema: the schema side hands it a [`plain::PlainBuilder`], the cost
//! model's sizes and each request's data, and uses its codes ([`codes`]), its object path
//! ([`direct::Direct`]) and connections ([`connection::DirectConnection`]), its batch
//! spawner ([`batching::BatchSpawner`]) and its turn ([`turn::Turn`]).
//!
//! The fast paths replace parts of async-graphql's own machinery, and rely on these
//! invariants, each held by the type system or by the test named:
//!
//! 1. **The schema registers no extension, and no async-graphql depth, complexity or
//!    directive limit.** [`direct`] does not call extensions' per-field hooks, and
//!    [`error_codes`] codes every error async-graphql refuses a request with as a validation
//!    error. Held by the type system: the gateway and the reference take only a
//!    [`plain::PlainSchema`], and [`plain::PlainBuilder`] has no method that adds either.
//! 2. **The direct path answers exactly as async-graphql's stock executor**: keys in selection
//!    order, a key selected twice merged, `__typename`, the first error failing the object,
//!    selections with fragments or directives left to async-graphql. Held by
//!    `tests/tests/differential.rs`, which compares every response of a corpus, for three
//!    callers, sent as text, persisted and by hash, byte for byte with [`reference`].
//! 3. **DataLoaders are per request**: made for it, with its spawner, so their caches never
//!    serve one request's rows to another. Held by `tests/tests/engine.rs`
//!    (`loaders_serve_one_request_only`).
//! 4. **Batches run inside the request's task**: a request whose loaders send batches to a
//!    [`batching::BatchQueue`] is polled through that queue's `drive` (subscription events,
//!    which have no request, spawn theirs on the runtime); a batch runs only once the request
//!    can go no further without it, so every key asked for in one step lands in one batch.
//!    Held by `batching::tests::keys_asked_for_in_one_step_land_in_one_batch` and
//!    `tests/tests/n_plus_one.rs` (one statement per level); a request not driven never
//!    answers, which every end-to-end test would show.
//! 5. **A turn given back mid-request is taken again before resolving goes on**, and a request
//!    that holds none takes none. Held by `turn::tests`.
//! 6. **The engine parses every document itself** and hands async-graphql the parsed one, so
//!    a syntax error is GRAPHQL_PARSE_FAILED by its stage; kept documents are shared read-only
//!    (`Arc`), and async-graphql gets a copy to change. Held by
//!    `error_codes::tests::errors_are_coded_by_where_they_arose` and `tests/tests/http.rs`.
//! 7. **The cost walk refuses a document before async-graphql sees it**, nesting included:
//!    [`cost::MAX_NESTING`] is also async-graphql's recursion limit ([`plain`]), so a refusal
//!    for nesting is the engine's own. Held by `errors_are_coded_by_where_they_arose` (a
//!    document nested to the limit runs, one level more is refused with the engine's code) and
//!    the cost tests in `graphql::costs`.
//! 8. **async-graphql places an argument's coercion error at the argument's value, and a
//!    resolver's error at its field**, which is how [`error_codes`] tells BAD_USER_INPUT from
//!    INTERNAL without reading messages. Held by `errors_are_coded_by_where_they_arose` and
//!    `tests/tests/corpus.rs` (values past 32 bits in arguments and in input objects).
//! 9. **A mutation's root fields run one after another, and a root field's selection is
//!    resolved only after its resolver returned**, so an UNAVAILABLE below a root field met the
//!    write already committed ([`error_codes::after_commit`]). Held by
//!    `error_codes::tests::a_read_below_a_mutation_field_reports_the_write_applied` and
//!    `tests/tests/unavailable.rs` (PostgreSQL connections dropped under load).
//! 10. **Kept documents stay within their bytes**, none larger than an eighth of them. Held by
//!     `gateway::tests::kept_documents_stay_within_their_bytes`.
//! 11. **A persisted hash serves only a document whose text had that digest, and GET runs
//!     queries only**, however the document arrives. Held by
//!     `gateway::tests::a_persisted_hash_serves_only_the_text_it_digests`,
//!     `tests/tests/http.rs` (`persisted_queries_and_cors`) and `tests/tests/hostile.rs`
//!     (`mutations_never_run_over_get`).
//! 12. **Flat objects reach only a writer that knows them**: [`json::Flat`] is put in a
//!     request only by the gateway's HTTP methods, for a document no object of which can be
//!     merged ([`json::is_flat`]); the server writes those responses with
//!     [`json::write_value`], and the schema answers no binary value, the form a flat object
//!     travels in. Held by `tests/tests/differential.rs` (flat documents, sent by POST),
//!     `json::tests` and `graphql::tests::the_schema_answers_no_binary_value`.
//! 13. **A field an object writes itself writes what its resolver answers**
//!     ([`direct::WrittenFields`]: only fields whose resolver needs no context for that object
//!     and cannot fail, an object at hand included, selected without arguments, in flat
//!     documents; a connection's `nodes`, `edges` and `pageInfo` among them,
//!     [`connection::DirectConnection`]). Held by `tests/tests/differential.rs`, whose corpus
//!     selects every such field in flat documents.

pub mod batching;
pub mod codes;
pub mod connection;
pub mod cost;
pub mod direct;
pub mod error_codes;
pub mod gateway;
pub mod json;
pub mod plain;
pub mod reference;
#[cfg(test)]
mod tiny_schema;
pub mod turn;
