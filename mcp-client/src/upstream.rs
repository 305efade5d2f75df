//! A remote server for mcp-core's proxy: [`RemoteServer`] opens client
//! connections (HTTP, a child process over stdio, or a server in this
//! process) whose server requests and notifications the proxy passes on to
//! its own callers.
//!
//! ```no_run
//! # async fn run() -> Result<(), quickmcp::protocol::jsonrpc::RpcError> {
//! use quickmcp_client::upstream::RemoteServer;
//! use quickmcp::{Server, proxy::Remote};
//!
//! let files = Remote::connect(RemoteServer::stdio("npx", ["-y", "@modelcontextprotocol/server-filesystem", "/data"])).await?;
//! let search = Remote::connect(RemoteServer::http("https://search.example/mcp")).await?;
//! let server = Server::builder("gateway", "1.0.0").mount_remote("files", files).mount_remote("search", search).build();
//! # let _ = server; Ok(()) }
//! ```

use crate::Era;
use crate::client::{Client, ClientBuilder};
use crate::error::ClientError;
use futures_util::future::BoxFuture;
use quickmcp::protocol::jsonrpc::{RpcError, code};
use quickmcp::proxy::{Asked, Downstream, Upstream, UpstreamLink};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The requests a remote server may send its client, passed on by the proxy.
const PASSED_ON: [&str; 3] = ["sampling/createMessage", "elicitation/create", "roots/list"];

type Connector = dyn Fn(ClientBuilder) -> BoxFuture<'static, Result<Client, ClientError>> + Send + Sync;

/// How to reach a remote MCP server, for [`Remote::connect`](quickmcp::proxy::Remote::connect).
#[derive(Clone)]
pub struct RemoteServer {
    /// What logs and errors call it.
    name: String,
    builder: ClientBuilder,
    connector: Arc<Connector>,
}

impl RemoteServer {
    /// The Streamable HTTP endpoint at `url`.
    pub fn http(url: impl Into<String>) -> Self {
        let url = url.into();
        let target = url.clone();
        Self::with_connector(url, move |builder| {
            let url = target.clone();
            Box::pin(async move { builder.connect_http(&url).await })
        })
    }

    /// A server started as a child process (`program` with `args`), over
    /// its standard input and output; each connection starts its own.
    pub fn stdio<I, S>(program: impl Into<String>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let program = program.into();
        let args: Vec<String> = args.into_iter().map(Into::into).collect();
        let name =
            std::iter::once(program.as_str()).chain(args.iter().map(String::as_str)).collect::<Vec<_>>().join(" ");
        Self::with_connector(name, move |builder| {
            let mut command = tokio::process::Command::new(&program);
            command.args(&args);
            Box::pin(async move {
                let transport = crate::transport::lines::LineTransport::spawn(command)
                    .map_err(|e| ClientError::Transport(format!("could not start the server: {e}")))?;
                builder.connect(transport).await
            })
        })
    }

    /// A server in this process (no socket, no child process).
    pub fn in_process(server: quickmcp::Server) -> Self {
        let name = server.info().name.clone();
        Self::with_connector(name, move |builder| {
            let server = server.clone();
            Box::pin(async move { builder.connect_in_process(server).await })
        })
    }

    /// Any way to connect: `connect` gets the builder to connect with
    /// (capabilities and handlers set by the proxy).
    pub fn with_connector(
        name: impl Into<String>,
        connect: impl Fn(ClientBuilder) -> BoxFuture<'static, Result<Client, ClientError>> + Send + Sync + 'static,
    ) -> Self {
        Self { name: name.into(), builder: Client::builder(), connector: Arc::new(connect) }
    }

    /// Configures the connections: era, time limit, client name,
    /// authorization (`builder.authorizer(..)`).
    ///
    /// ```
    /// use quickmcp_client::{Era, upstream::RemoteServer};
    /// let remote = RemoteServer::http("http://127.0.0.1:8000/mcp")
    ///     .configure(|builder| builder.era(Era::Session).timeout(std::time::Duration::from_secs(30)));
    /// # let _ = remote;
    /// ```
    #[must_use]
    pub fn configure(mut self, configure: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Self {
        self.builder = configure(self.builder);
        self
    }

    /// The builder of one connection: ours, declaring what the proxy's
    /// caller can answer and handing the server's requests and
    /// notifications to it.
    fn builder_for(&self, downstream: &Downstream) -> ClientBuilder {
        let mut builder = self.builder.clone();
        for (capability, declared) in downstream.capabilities().as_object().into_iter().flatten() {
            builder = builder.capability(capability, declared.clone());
        }
        for method in PASSED_ON {
            let downstream = downstream.clone();
            builder = builder.on_request(method, move |params| {
                let key = crate::input_key();
                downstream.request(Asked { method: method.to_owned(), params, key })
            });
        }
        let paused = downstream.clone();
        let downstream = downstream.clone();
        builder
            .on_notification(move |note| downstream.notify(note.method.clone(), note.params.clone()))
            .on_stream_paused(move || paused.stream_paused())
    }
}

impl std::fmt::Debug for RemoteServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteServer").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Upstream for RemoteServer {
    fn connect(&self, downstream: Downstream) -> quickmcp::handler::BoxFuture<Result<Arc<dyn UpstreamLink>, RpcError>> {
        let builder = self.builder_for(&downstream);
        let (connect, name) = (Arc::clone(&self.connector), self.name.clone());
        // One downstream session: a session of the remote's, where it has
        // them, carries its logs, subscriptions and notifications as they are.
        let session_first = downstream.is_for_session() && builder.era.is_none();
        Box::pin(async move {
            let client = match session_first {
                true => match connect(builder.clone().era(Era::Session)).await {
                    Ok(client) => client,
                    Err(_) => connect(builder).await.map_err(|e| unavailable(&name, &e))?,
                },
                false => connect(builder).await.map_err(|e| unavailable(&name, &e))?,
            };
            let listening = (!downstream.is_for_session() && client.era() == Era::Stateless)
                .then(|| follow_list_changes(&client).abort_handle());
            let health = Arc::new(Health { name, broken: AtomicBool::new(false) });
            Ok(Arc::new(Link { client, health, listening }) as Arc<dyn UpstreamLink>)
        })
    }
}

/// How long one `subscriptions/listen` request of the shared connection
/// lasts before it is made again.
const LISTEN_FOR: std::time::Duration = std::time::Duration::from_secs(3600);

/// A 2026-07-28 remote tells of list changes only on `subscriptions/listen`
/// streams: the shared connection keeps one open while it lives.
fn follow_list_changes(client: &Client) -> tokio::task::JoinHandle<()> {
    let client = client.clone();
    tokio::spawn(async move {
        let filter = serde_json::json!({"notifications": {
            "toolsListChanged": true, "promptsListChanged": true, "resourcesListChanged": true,
        }});
        while !client.is_closed() {
            let options = crate::CallOptions::new().timeout(LISTEN_FOR);
            if let Err(error) = client.request_with_options("subscriptions/listen", filter.clone(), options).await {
                tracing::debug!(%error, "the remote's subscriptions/listen stream ended");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    })
}

/// A remote task nobody waits for any more: cancelled when dropped.
struct Abandoned(Option<(Client, String)>);

impl Drop for Abandoned {
    fn drop(&mut self) {
        let (Some((client, id)), Ok(runtime)) = (self.0.take(), tokio::runtime::Handle::try_current()) else { return };
        runtime.spawn(async move {
            if let Err(error) = client.request("tasks/cancel", serde_json::json!({"taskId": id})).await {
                tracing::debug!(%error, "a remote task nobody waits for could not be cancelled");
            }
        });
    }
}

/// One client connection, as the proxy uses it.
struct Link {
    client: Client,
    health: Arc<Health>,
    /// The shared connection's `subscriptions/listen` loop, stopped with it.
    listening: Option<tokio::task::AbortHandle>,
}

impl Drop for Link {
    fn drop(&mut self) {
        if let Some(listening) = &self.listening {
            listening.abort();
        }
    }
}

/// What a request's future keeps to report a connection gone.
struct Health {
    name: String,
    /// A request failed for want of a connection: the next opens a new one.
    broken: AtomicBool,
}

impl Health {
    /// The remote's error as it sent it; ours as a `-32603` naming the
    /// remote (and marking the connection broken when it is gone).
    fn error(&self, error: ClientError) -> RpcError {
        match error {
            ClientError::Rpc(error) => error,
            ClientError::Timeout => RpcError::new(
                code::REQUEST_TIMEOUT,
                format!("the remote MCP server `{}` did not answer in time", self.name),
            ),
            ClientError::Cancelled => RpcError::new(code::REQUEST_CANCELLED, "the remote cancelled the request"),
            error => {
                if matches!(error, ClientError::Transport(_) | ClientError::Closed) {
                    self.broken.store(true, Ordering::Release);
                }
                unavailable(&self.name, &error)
            }
        }
    }
}

fn unavailable(name: &str, error: &ClientError) -> RpcError {
    RpcError::new(code::INTERNAL_ERROR, format!("the remote MCP server `{name}` is unavailable: {error}"))
}

impl UpstreamLink for Link {
    fn request(&self, method: &str, params: Value) -> quickmcp::handler::BoxFuture<Result<Value, RpcError>> {
        let (client, health, method) = (self.client.clone(), Arc::clone(&self.health), method.to_owned());
        Box::pin(async move {
            let result = match method.as_str() {
                // With the tool's `Mcp-Param-*` headers (2026-07-28).
                "tools/call" => client.send_tool_call(params, None).await.and_then(|raw| crate::client::parse(&raw)),
                method => client.request(method, params).await,
            };
            result.map_err(|e| health.error(e))
        })
    }

    fn await_task(&self, created: Value) -> quickmcp::handler::BoxFuture<Result<Value, RpcError>> {
        let (client, health) = (self.client.clone(), Arc::clone(&self.health));
        Box::pin(async move {
            // Whoever stops waiting (our task cancelled, our caller gone)
            // stops the remote's task too: it would hold the remote's workers.
            let mut abandoned = Abandoned(created["taskId"].as_str().map(|id| (client.clone(), id.to_owned())));
            let result = client.await_task(created).await;
            abandoned.0 = None;
            serde_json::to_value(result.map_err(|e| health.error(e))?).map_err(RpcError::internal)
        })
    }

    fn server(&self) -> &Value {
        self.client.server()
    }

    fn is_closed(&self) -> bool {
        self.health.broken.load(Ordering::Acquire) || self.client.is_closed()
    }

    fn close(&self) -> quickmcp::handler::BoxFuture<()> {
        let client = self.client.clone();
        Box::pin(async move { client.close().await })
    }
}
