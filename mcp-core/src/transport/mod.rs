//! What a transport needs from the core, in one place: how a request
//! arrived ([`RequestEnv`]), the queue of what a running request sends
//! before its result ([`outbox`]), and the stateless era's reading of a
//! request a transport runs before dispatch ([`is_stateless_request`],
//! [`StatelessRequest::parse`]). Handlers never use this module; transports
//! (`mcp-axum`, tests driving [`Server::handle_request`](crate::Server::handle_request)) do.

mod outbox;
pub mod stdio;

pub use crate::era::{StatelessMeta, StatelessRequest, is_stateless_request};
pub use outbox::{OUTBOX_LIMIT, Outbound, Outbox, Sink, outbox};

use crate::session::Session;

/// How a request reached the server: its session, where messages sent
/// before the result go, and what the transport learned about it.
///
/// ```
/// use mcp_core::transport::RequestEnv;
///
/// #[derive(Clone)]
/// struct TraceId(String);
///
/// let mut env = RequestEnv::default();
/// env.extensions.insert(TraceId("4bf92f35".into()));
/// ```
#[derive(Default)]
pub struct RequestEnv {
    /// The session, in session mode.
    pub session: Option<Session>,
    /// What the stateless era (2026-07-28) read from the request: its
    /// validated `_meta` and round-trip members. Set, the request takes
    /// that era's method table. Boxed: it is large, and a session-era
    /// request carries none.
    pub stateless: Option<Box<StatelessRequest>>,
    /// Where progress, logs and server→client requests go before the result.
    pub sink: Option<Sink>,
    /// The HTTP request's extensions (or any typed data the transport
    /// attached): what tower layers learned, such as a verified principal.
    /// Handlers read it through [`Context::extensions`](crate::Context::extensions).
    pub extensions: http::Extensions,
}

impl std::fmt::Debug for RequestEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestEnv")
            .field("session", &self.session)
            .field("stateless", &self.stateless)
            .finish_non_exhaustive()
    }
}
