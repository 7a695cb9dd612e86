//! Accepting and serving HTTP connections, with the limits no client may stretch: how many
//! are open at once, how long a client may take to send a request's headers (which is also how
//! long a kept-alive connection may sit idle), and graceful shutdown.
//!
//! axum's own `serve` gives hyper no timer, so hyper's header timeout never fires there, and
//! it accepts connections without bound (9,532 idle ones were accepted, each an open file).
//! This is the same loop (hyper-util's auto builder, upgrades for WebSockets, TCP_NODELAY)
//! with those limits. Each request carries its peer's address (`ConnectInfo`), which the
//! sign-in throttle and the per-address rate limit key on.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// What one listener holds its connections to.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Connections open at once; one more is closed as soon as it is accepted.
    pub max_connections: usize,
    /// Time a client has to send a request's headers, from the connection's start or the end
    /// of its previous response (so also the longest a kept-alive connection may sit idle).
    pub header_timeout: Duration,
}

/// Serves `router` on `listener` until `stop` completes; then lets open connections finish
/// for up to `grace`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    stop: impl Future<Output = ()>,
    grace: Duration,
) {
    let open = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        // CONNECT is how WebSockets travel over HTTP/2.
        .enable_connect_protocol();
    let mut refused_logged = false;
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            // Closed at once: queued in the kernel's backlog instead, it would wait for a
            // slot its client may long have given up on.
            crate::server::metrics::connection_refused();
            if !refused_logged {
                tracing::warn!(
                    max = limits.max_connections,
                    "connection limit reached; refusing new connections until some close"
                );
                refused_logged = true;
            }
            drop(stream);
            continue;
        };
        refused_logged = refused_logged && open.available_permits() == 0;
        if let Err(err) = stream.set_nodelay(true) {
            tracing::trace!(error = %err, "TCP_NODELAY not set");
        }
        let service =
            router
                .clone()
                .map_request(move |mut request: axum::http::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request.map(axum::body::Body::new)
                });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let first_bytes = limits.header_timeout;
        tokio::spawn(async move {
            // The auto builder reads a connection's first bytes (to tell HTTP/1 from HTTP/2)
            // before hyper's header timeout starts: a client that sends nothing would hold its
            // connection for ever.
            let mut first = [0u8; 1];
            if !matches!(
                tokio::time::timeout(first_bytes, stream.peek(&mut first)).await,
                Ok(Ok(1..))
            ) {
                return;
            }
            let connection = builder.serve_connection_with_upgrades(
                TokioIo::new(stream),
                TowerToHyperService::new(service),
            );
            if let Err(err) = watcher.watch(connection).await {
                tracing::trace!(error = %err, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(grace) => {
            tracing::warn!(grace_secs = grace.as_secs(), "requests still running after the grace period; stopping anyway");
        }
    }
}
