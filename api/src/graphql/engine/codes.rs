//! Every value `extensions.code` and `extensions.outcome` can take: the vocabulary the engine
//! codes its own refusals with and the schema codes service errors with. The schema registers
//! [`ErrorCode`] so clients find the list in the SDL.

/// Declares [`ErrorCode`], the schema's enum of every `extensions.code`, and a `&str` constant
/// in [`code`] for each, so a code cannot be raised without being documented in the schema.
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])+ $name:ident => $variant:ident,)+) => {
        /// Every value `extensions.code` can take on an error shopgraph answers. Match on the
        /// code, never on the message; the extra extensions each code carries are listed with
        /// it.
        #[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
        #[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
        pub enum ErrorCode {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl ErrorCode {
            /// Every code, in the order the schema lists them.
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant,)+];

            /// The code as it appears in `extensions.code`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => stringify!($name),)+
                }
            }
        }

        /// Codes clients can match on, as strings.
        pub mod code {
            $(pub const $name: &str = stringify!($name);)+
        }
    };
}

error_codes! {
    /// Not signed in (or a token that expired, or an account that was deactivated), or a wrong
    /// email or password at `login`.
    UNAUTHENTICATED => Unauthenticated,
    /// Signed in, but this caller may not do this (another user's private data, an admin-only
    /// field).
    FORBIDDEN => Forbidden,
    /// An argument or input field is outside its domain: email shape, empty or too long text,
    /// a number out of range, a page size, a cursor or an id that is malformed or names the
    /// wrong type. `field` names the input at fault.
    BAD_USER_INPUT => BadUserInput,
    /// A mutation names a row that does not exist. `entity` and `id` say which.
    NOT_FOUND => NotFound,
    /// The write clashes with existing data: a taken email, sku or slug, deleting a user who
    /// has orders, a product that was ordered or an order that was paid. `field` names the
    /// input at fault when there is one. Also a request whose `Idempotency-Key` is still being
    /// answered by an earlier request (HTTP 409 with `Retry-After`; send it again shortly).
    CONFLICT => Conflict,
    /// Not enough units left for an order line. `productId`, `requested` and `available`.
    OUT_OF_STOCK => OutOfStock,
    /// An order status change the life cycle does not allow. `from` and `to`.
    INVALID_TRANSITION => InvalidTransition,
    /// A transfer, redemption or correction larger than the balance. `available` and
    /// `requested`.
    INSUFFICIENT_POINTS => InsufficientPoints,
    /// The disk (or the SQLite file's size cap) has no room for the write; nothing of it was
    /// kept. `retryAfter` in seconds. HTTP 507 when nothing else was answered.
    STORAGE_FULL => StorageFull,
    /// The database cannot serve now: a dropped connection, a restart, contention past its
    /// retries, no free connection. `retryAfter` in seconds and, for writes, `outcome`:
    /// `NOT_APPLIED` (nothing was written; send it again), `UNKNOWN` (the connection broke
    /// during the commit; check before resending) or `APPLIED` (committed; only reading the
    /// result back failed). HTTP 503 when nothing else was answered and nothing was applied.
    UNAVAILABLE => Unavailable,
    /// Too many sign-in attempts on one account or from one address, or too many requests
    /// from one address when that limit is on. `retryAfter` in seconds; HTTP 429.
    RATE_LIMITED => RateLimited,
    /// A stored amount does not fit `SafeInt` (only data from before the bounds could).
    OUT_OF_RANGE => OutOfRange,
    /// The document is not valid GraphQL syntax, or nests deeper than the parser allows.
    /// HTTP 400 for `application/graphql-response+json` clients.
    GRAPHQL_PARSE_FAILED => GraphqlParseFailed,
    /// The document does not fit the schema (an unknown field, a wrong argument type, a
    /// missing variable). HTTP 400 for `application/graphql-response+json` clients.
    GRAPHQL_VALIDATION_FAILED => GraphqlValidationFailed,
    /// The selection nests deeper than `SHOPGRAPH_MAX_DEPTH` (introspection aside). HTTP 400.
    QUERY_TOO_DEEP => QueryTooDeep,
    /// The query's cost is above `SHOPGRAPH_MAX_COMPLEXITY`, or it has more selections than
    /// `SHOPGRAPH_MAX_SELECTIONS` once fragments are expanded. `cost` with `requested` and
    /// `limit`. HTTP 400.
    QUERY_TOO_COMPLEX => QueryTooComplex,
    /// The query text is longer than `SHOPGRAPH_MAX_QUERY_BYTES`. HTTP 400.
    QUERY_TOO_LARGE => QueryTooLarge,
    /// A persisted query's hash is not (or no longer) known: send the query text with it.
    PERSISTED_QUERY_NOT_FOUND => PersistedQueryNotFound,
    /// The HTTP request is malformed: not JSON, no query, a bad `extensions` entry.
    BAD_REQUEST => BadRequest,
    /// A mutation over `GET`, or a method `/graphql` does not serve. HTTP 405 with `Allow`.
    METHOD_NOT_ALLOWED => MethodNotAllowed,
    /// The request body is larger than `SHOPGRAPH_MAX_BODY_BYTES`. HTTP 413.
    PAYLOAD_TOO_LARGE => PayloadTooLarge,
    /// The request body did not arrive within its time limit. HTTP 408.
    REQUEST_TIMEOUT => RequestTimeout,
    /// The body is not `application/json`. HTTP 415.
    UNSUPPORTED_MEDIA_TYPE => UnsupportedMediaType,
    /// The request did not finish within `SHOPGRAPH_REQUEST_TIMEOUT_MS`; nothing of it was
    /// kept. HTTP 504.
    TIMEOUT => Timeout,
    /// A WebSocket connection asked for more subscriptions than `SHOPGRAPH_WS_MAX_SUBSCRIPTIONS`.
    /// `limit`.
    TOO_MANY_SUBSCRIPTIONS => TooManySubscriptions,
    /// The `Idempotency-Key` header was used before by this caller with a different request
    /// body. HTTP 422; send a new key for a new request.
    IDEMPOTENCY_KEY_REUSED => IdempotencyKeyReused,
    /// A request with an `Idempotency-Key` runs a mutation that cannot keep it: more than one
    /// root field, a field that records no key, or (without a token) anything but `signup`
    /// and `login`. HTTP 400.
    IDEMPOTENCY_KEY_UNSUPPORTED => IdempotencyKeyUnsupported,
    /// Anything unexpected: logged with detail on the server, shown without SQL or internals.
    INTERNAL => Internal,
}

/// What became of a write that met UNAVAILABLE (`extensions.outcome`).
pub mod outcome {
    /// Nothing was written: the request may be sent again as it is.
    pub const NOT_APPLIED: &str = "NOT_APPLIED";
    /// The connection broke while the commit was on its way: it may have happened.
    pub const UNKNOWN: &str = "UNKNOWN";
    /// The mutation's write was committed; reading its result back failed.
    pub const APPLIED: &str = "APPLIED";
}
