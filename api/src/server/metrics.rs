//! Prometheus metrics on `GET /metrics`: requests and latency by GraphQL operation, errors by
//! code, the database pool and its health (full storage, connections discarded for being left
//! inside a transaction), SQLite file sizes, backups and migrations.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process-wide recorder (metrics are per process; every server in it shares them).
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let buckets = [
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ];
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("duration_seconds".into()), &buckets)
                .and_then(|b| b.install_recorder())
                .inspect_err(|err| tracing::warn!(error = %err, "metrics are unavailable"))
                .ok()
        })
        .as_ref()
}

/// The operation's name for labels: `operationName`, else the name of the document's first
/// operation (`query ListProducts { … }`), made safe: at most 64 `[A-Za-z0-9_]`.
pub fn operation_label(name: Option<&str>, document: &str) -> String {
    let from_document = || {
        let rest = document.trim_start();
        let rest = ["query", "mutation", "subscription"]
            .iter()
            .find_map(|k| rest.strip_prefix(k))?;
        if !rest.starts_with(char::is_whitespace) {
            return None;
        }
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        (!name.is_empty()).then_some(name)
    };
    let derived = name.map(str::to_owned).or_else(from_document);
    match derived.as_deref() {
        Some(n) if !n.is_empty() => n
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect(),
        _ => "anonymous".into(),
    }
}

/// Records one GraphQL request.
pub fn graphql_request(
    operation: &str,
    elapsed: Duration,
    error_codes: impl Iterator<Item = String>,
) {
    let operation = operation.to_owned();
    metrics::counter!("shopgraph_graphql_requests_total", "operation" => operation.clone())
        .increment(1);
    metrics::histogram!("shopgraph_graphql_request_duration_seconds", "operation" => operation)
        .record(elapsed.as_secs_f64());
    for code in error_codes {
        metrics::counter!("shopgraph_graphql_errors_total", "code" => code).increment(1);
    }
}

/// Records a connection closed at once because the server had as many open as it allows.
pub fn connection_refused() {
    metrics::counter!("shopgraph_connections_refused_total").increment(1);
}

/// Records a migration applied at start-up.
pub fn migration_applied(name: &str, duration: Duration) {
    metrics::gauge!("shopgraph_migration_duration_seconds", "migration" => name.to_owned())
        .set(duration.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::operation_label;

    #[test]
    fn operation_labels_are_named_and_safe() {
        assert_eq!(operation_label(Some("Mine"), "query Other { a }"), "Mine");
        assert_eq!(
            operation_label(None, "  query ListProducts($n: Int) { a }"),
            "ListProducts"
        );
        assert_eq!(operation_label(None, "mutation Pay{ a }"), "Pay");
        assert_eq!(operation_label(None, "{ a }"), "anonymous");
        assert_eq!(operation_label(None, "queryX { a }"), "anonymous");
        assert_eq!(operation_label(Some("a\"b}c"), ""), "abc");
    }
}
