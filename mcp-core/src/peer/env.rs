//! How a request reached the server, as dispatch and handlers see it.

use crate::era::{Era, StatelessRequest};
use crate::peer::Sink;
use crate::session::Session;
use tokio_util::sync::CancellationToken;

/// How a request reached the server: its session, where messages sent
/// before the result go, and what the transport learned about it. The
/// inbound router ([`Server::receive`](crate::Server::receive)) builds it;
/// tests that call [`Server::handle_request`](crate::Server::handle_request)
/// directly start from `RequestEnv::default()`.
///
/// ```
/// use quickmcp::era::Era;
/// use quickmcp::peer::RequestEnv;
///
/// #[derive(Clone)]
/// struct TraceId(String);
///
/// let mut env = RequestEnv::default();
/// env.extensions.insert(TraceId("4bf92f35".into()));
/// assert_eq!(env.era(), Era::Session);
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
    /// The client's address, when the transport knows it and the request
    /// needs it (per-client bounds: `initialize`, `subscriptions/listen`,
    /// the tasks of a caller without a verified subject).
    pub client_addr: Option<std::net::IpAddr>,
    /// Cancelled by `notifications/cancelled` or the end of the session;
    /// set by the inbound router, which registered the request in flight.
    pub(crate) cancel: Option<CancellationToken>,
}

impl RequestEnv {
    /// The request's protocol era: the stateless era when the transport
    /// read the stateless era's `_meta` from it.
    pub fn era(&self) -> Era {
        Era::of(self.stateless.is_some())
    }
}

impl std::fmt::Debug for RequestEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestEnv")
            .field("session", &self.session)
            .field("stateless", &self.stateless)
            .finish_non_exhaustive()
    }
}
