//! A worker process: [`McpRouter::run_workers`] runs the server's task
//! workers without serving MCP, with the probes and metrics an
//! orchestrator needs, and drains them on Ctrl-C or SIGTERM.

use crate::router::McpRouter;
use crate::serve::{ServeLimits, bind, serve_with, shutdown_signal};
use axum::Router;
use std::io::{Error, ErrorKind};

impl McpRouter {
    /// Runs the server's task workers (`MCP_TASK_WORKERS` of them) until
    /// Ctrl-C or SIGTERM, then drains them: no new claims, the tasks they
    /// run get `MCP_SHUTDOWN_GRACE_SECS` to finish, and those still running
    /// are handed back to the queue for another worker
    /// ([`Server::drain_tasks`](quickmcp::Server::drain_tasks)). On a
    /// shared task store (Redis) this is how work scales: replicas that
    /// serve requests with `MCP_TASK_WORKERS=0`, and as many of these
    /// processes as the queue needs.
    ///
    /// It serves no MCP endpoint: on `MCP_HOST:MCP_PORT` only the probes
    /// (`MCP_HEALTH_PATH`, `MCP_READY_PATH`) and, with
    /// [`metrics`](Self::metrics), `/metrics` (or on `MCP_METRICS_ADDR`).
    ///
    /// Fails at once when the server has no task tools, or no workers
    /// (`MCP_TASK_WORKERS=0`), or an address cannot be bound.
    ///
    /// ```no_run
    /// # async fn run(server: quickmcp::Server) -> Result<(), Box<dyn std::error::Error>> {
    /// quickmcp_axum::McpRouter::from_env(server)?.run_workers().await?;
    /// # Ok(()) }
    /// ```
    pub async fn run_workers(self) -> std::io::Result<()> {
        let server = self.server().clone();
        if !server.offers_tasks() {
            let why = "this server has no tool that runs as a task: a worker process would have nothing to run";
            return Err(Error::new(ErrorKind::InvalidInput, why));
        }
        if server.task_workers() == 0 {
            let why = "MCP_TASK_WORKERS=0: a worker process needs at least one worker; set it above 0 or unset it";
            return Err(Error::new(ErrorKind::InvalidInput, why));
        }
        let config = self.current_config().clone();
        let limits = ServeLimits::from_config(&config);
        #[cfg_attr(not(feature = "metrics"), allow(unused_mut))] // /metrics merged in with `metrics` only
        let mut routes: Router =
            crate::health::routes(config.health_path.as_deref(), config.ready_path.as_deref(), server.downgrade());
        #[cfg(feature = "metrics")]
        if let Some(metrics) = self.metrics_handle() {
            metrics.watch_server(server.downgrade());
            match &config.metrics_addr {
                Some(address) => {
                    let private = tokio::net::TcpListener::bind(address).await?;
                    tracing::info!("metrics at http://{}/metrics", private.local_addr()?);
                    tokio::spawn(serve_with(private, metrics.router(), limits.clone(), shutdown_signal()));
                }
                None => routes = routes.merge(metrics.router()),
            }
        }
        let listener = bind(&config).await?;
        tracing::info!(
            "task worker process: {} workers; probes at http://{}",
            server.task_workers(),
            listener.local_addr()?
        );
        let probes = tokio::spawn(serve_with(listener, routes, limits, shutdown_signal()));
        server.run_workers(shutdown_signal(), config.shutdown_grace).await;
        tracing::info!("task workers drained");
        probes.abort();
        Ok(())
    }
}
