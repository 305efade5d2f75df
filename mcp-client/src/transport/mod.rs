//! How messages reach a server and its messages come back:
//!
//! - [`http::HttpTransport`]: Streamable HTTP (POST answered with JSON or
//!   SSE, the session header, DELETE on close);
//! - [`lines::LineTransport`]: one JSON-RPC message per line, over a child
//!   process's standard input and output ([`lines::LineTransport::spawn`])
//!   or over an in-process pipe to a [`Server`](quickmcp::Server)
//!   ([`lines::LineTransport::in_process`]).
//!
//! A transport sends what the client gives it and delivers everything the
//! server sends to the [`Inbox`]; the client matches answers to requests.

pub mod http;
pub mod lines;

use crate::error::ClientError;
use crate::inbox::Inbox;
use futures_util::future::BoxFuture;
use quickmcp::protocol::jsonrpc::RequestId;

/// One message on its way to the server, with what a transport may need
/// besides its bytes (HTTP puts the method, the name and the revision in
/// headers).
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The encoded JSON-RPC message.
    pub bytes: Vec<u8>,
    /// The request's id (`None` for notifications and answers).
    pub id: Option<RequestId>,
    /// Its method (`None` for answers).
    pub method: Option<String>,
    /// The tool, prompt or resource it names (`Mcp-Name`).
    pub name: Option<String>,
    /// The protocol revision it speaks (`MCP-Protocol-Version`), once known.
    pub revision: Option<&'static str>,
    /// More HTTP headers, by lowercase name: a tool's mirrored arguments
    /// (`Mcp-Param-*`, 2026-07-28). Other transports ignore them.
    pub headers: Vec<(String, String)>,
}

/// A way to reach a server.
pub trait Transport: Send + Sync + 'static {
    /// Sends `message`; whatever the server sends in reply on this exchange
    /// is delivered to `inbox`. An error means the message did not get
    /// through (or its answer cannot come).
    fn send<'a>(&'a self, message: Outgoing, inbox: &'a Inbox) -> BoxFuture<'a, Result<(), ClientError>>;

    /// Ends the connection (HTTP: DELETE the session; a child process: end
    /// its input, then kill it).
    fn close(&self) -> BoxFuture<'_, ()>;
}
