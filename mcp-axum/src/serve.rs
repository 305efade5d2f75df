//! Serving an application on an open network: bind from configuration,
//! `TCP_NODELAY` on every connection, a bound on open connections and on
//! the time a client may take to send its request head (slow-loris), and a
//! graceful shutdown on Ctrl-C / SIGTERM that ends within a deadline even
//! while SSE streams stay open.

use crate::config::McpConfig;
use crate::connection::Protocols;
use crate::drain::DrainSignal;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Binds `config.host:config.port`.
pub async fn bind(config: &McpConfig) -> std::io::Result<TcpListener> {
    TcpListener::bind(config.bind_address()).await
}

/// Limits of [`serve_with`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServeLimits {
    /// Most connections open at once; one more is closed as soon as it is
    /// accepted (default 10 000).
    pub max_connections: usize,
    /// Time a connection has to send a request's head, on its first request
    /// and between keep-alive requests (default 10 s). Over HTTP/2, the
    /// time it has to send its first bytes, and the longest it stays open
    /// without a stream.
    pub header_read_timeout: Duration,
    /// Streams one HTTP/2 connection may have open at once (default 100;
    /// with the `http2` feature).
    pub http2_max_streams: u32,
    /// Time open connections and streams get to finish after the shutdown
    /// signal, before the server stops anyway (default 10 s).
    pub shutdown_grace: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            http2_max_streams: 100,
            header_read_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl ServeLimits {
    /// The limits of `config` (`MCP_MAX_CONNECTIONS`, `MCP_HTTP2_MAX_STREAMS`,
    /// `MCP_HEADER_TIMEOUT_SECS`, `MCP_SHUTDOWN_GRACE_SECS`).
    pub fn from_config(config: &McpConfig) -> Self {
        Self {
            max_connections: config.max_connections,
            http2_max_streams: config.http2_max_streams,
            header_read_timeout: config.header_read_timeout,
            shutdown_grace: config.shutdown_grace,
        }
    }
}

/// Serves `app` on `listener` until Ctrl-C or SIGTERM, with the default
/// [`ServeLimits`] and `TCP_NODELAY` on each connection (SSE events are small
/// writes; Nagle would hold them back for a delayed ACK).
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let config = quickmcp_axum::McpConfig::from_env_or_exit();
/// let server = quickmcp::Server::builder("demo", "0.1.0").build();
/// let app = quickmcp_axum::McpRouter::new(server).config(config.clone()).into_router();
/// let listener = quickmcp_axum::bind(&config).await?;
/// quickmcp_axum::serve(listener, app).await
/// # }
/// ```
pub async fn serve(listener: TcpListener, app: Router) -> std::io::Result<()> {
    serve_with(listener, app, ServeLimits::default(), shutdown_signal()).await
}

/// Serves `app` on `listener` within `limits` until `shutdown` resolves, then
/// stops accepting, lets open connections finish for `limits.shutdown_grace`
/// and returns. Streams that only end when the client leaves (a session's
/// GET stream, a stateless `subscriptions/listen`) are ended at once with a
/// last event asking the client to reconnect ([`sse::closing`](crate::sse::closing)),
/// so that clients move to another replica instead of holding this one for
/// the whole grace period. HTTP/1.1 without connection upgrades (an app that
/// also serves WebSockets can serve with `axum::serve` instead); with the
/// `http2` feature, also cleartext HTTP/2 from clients that open with its
/// preface (prior knowledge), at most `limits.http2_max_streams` streams
/// open at once on one connection.
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    // Each open connection holds a permit; all of them back means all closed.
    let max_connections = limits.max_connections.clamp(1, u32::MAX as usize);
    let open = Arc::new(Semaphore::new(max_connections));
    let (drain, draining) = DrainSignal::new();
    let protocols = Arc::new(Protocols::new(&limits));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait, don't spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = Arc::clone(&open).try_acquire_owned() else {
            tracing::warn!(max = limits.max_connections, "connection limit reached; closing a new connection");
            continue;
        };
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::warn!("could not set TCP_NODELAY: {error}");
        }
        // The peer address, for per-client limits (as axum's `ConnectInfo`),
        // and the shutdown notice for streams that would stay open.
        let for_requests = draining.clone();
        let app = tower::ServiceBuilder::new()
            .map_request(move |mut request: http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request.extensions_mut().insert(for_requests.clone());
                request
            })
            .service(app.clone());
        let service = TowerToHyperService::new(app);
        let protocols = Arc::clone(&protocols);
        let for_connection = draining.clone();
        tokio::spawn(async move {
            if let Err(error) = protocols.serve(tcp, service, for_connection).await {
                tracing::debug!(%error, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    // Open-ended streams end now, with a last event asking to reconnect;
    // connections finish the requests they have, then close.
    drain.start();
    tokio::select! {
        _ = open.acquire_many(max_connections as u32) => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(grace = ?limits.shutdown_grace, "connections still open after the shutdown grace period; stopping");
        }
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM: the shutdown signal of [`serve`], for
/// [`serve_with`].
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
