//! What can go wrong on the client's side of a call.

use quickmcp::protocol::jsonrpc::RpcError;
use std::fmt;

/// Why a request did not get a result.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with a JSON-RPC error.
    Rpc(RpcError),
    /// The transport failed: the connection, an HTTP status without a
    /// JSON-RPC answer, a process that exited.
    Transport(String),
    /// The server sent something that is not MCP (bad JSON, an answer too
    /// large, a result of the wrong shape).
    Protocol(String),
    /// The tool ran and reported a failure (`isError`), with its text.
    Tool(String),
    /// Authorization failed: discovery, registration, the user's consent or
    /// the token endpoint (OAuth), or a server that refused the credentials.
    Auth(String),
    /// The call's time limit passed; the server was told to stop
    /// (`notifications/cancelled`).
    Timeout,
    /// The connection is closed.
    Closed,
    /// The work was cancelled (a task that ended `cancelled`).
    Cancelled,
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rpc(error) => write!(f, "the server answered {}: {}", error.code, error.message),
            Self::Transport(why) => write!(f, "transport: {why}"),
            Self::Protocol(why) => write!(f, "the server broke the protocol: {why}"),
            Self::Tool(text) => write!(f, "the tool failed: {text}"),
            Self::Auth(why) => write!(f, "authorization: {why}"),
            Self::Timeout => f.write_str("the call's time limit passed"),
            Self::Closed => f.write_str("the connection is closed"),
            Self::Cancelled => f.write_str("the work was cancelled"),
        }
    }
}

impl std::error::Error for ClientError {}

impl From<RpcError> for ClientError {
    fn from(error: RpcError) -> Self {
        Self::Rpc(error)
    }
}
