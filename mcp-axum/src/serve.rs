//! Serving an application: bind from configuration, `TCP_NODELAY` on every
//! accepted connection, graceful shutdown on Ctrl-C / SIGTERM.

use crate::config::McpConfig;
use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

/// Binds `config.host:config.port`.
pub async fn bind(config: &McpConfig) -> std::io::Result<TcpListener> {
    TcpListener::bind(config.bind_address()).await
}

/// Serves `app` on `listener` until Ctrl-C or SIGTERM, with `TCP_NODELAY`
/// set on each connection (SSE events are small writes; Nagle would hold
/// them back for a delayed ACK).
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let config = mcp_axum::McpConfig::from_env();
/// let server = mcp_core::Server::builder("demo", "0.1.0").build();
/// let app = mcp_axum::McpRouter::new(server).config(config.clone()).into_router();
/// let listener = mcp_axum::bind(&config).await?;
/// mcp_axum::serve(listener, app).await
/// # }
/// ```
pub async fn serve(listener: TcpListener, app: Router) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!("could not set TCP_NODELAY: {e}");
        }
    });
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await
}

async fn shutdown_signal() {
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
