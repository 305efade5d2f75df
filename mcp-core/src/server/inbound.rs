//! The inbound router: every message a client sends, whatever transport
//! carried it, takes this path. It classifies the message, decides its era,
//! opens a session after a successful `initialize`, finds the session a
//! request names (bound to whoever opened it), refuses an id already
//! running in that session, and starts the request as an [`Exchange`].
//! Transports keep only their framing: HTTP maps a [`Refusal`] to a status
//! and an [`Exchange`] to a JSON body or SSE; stdio writes lines.

use super::Server;
use crate::era::{StatelessRequest, is_stateless_request};
use crate::peer::{Exchange, InFlight, RequestEnv, outbox};
use crate::protocol::jsonrpc::{self, Message, Request, RequestId, RpcError, code};
use crate::protocol::version;
use crate::session::{Session, SessionRecord, StoreError};
use futures_util::future::Either;
use std::net::IpAddr;

/// A check a transport runs on a stateless-era request before it runs (over
/// HTTP: the standard `Mcp-*` headers agree with the body).
pub type EraCheck<'a> = &'a (dyn Fn(&Request, &StatelessRequest) -> Result<(), RpcError> + Sync);

/// What the transport knows about a message besides its content.
pub struct Arrival<'a> {
    /// The protocol revision the framing names: HTTP's
    /// `MCP-Protocol-Version` header; over stdio, a request's `_meta`.
    pub protocol_version: Option<&'a str>,
    /// Where the message's session comes from.
    pub session: SessionSource<'a>,
    /// What the transport learned (HTTP extensions: a verified principal).
    pub extensions: http::Extensions,
    /// The client's address, kept in the record of a session it opens (its
    /// share of sessions is counted by it), and what a client without a
    /// verified principal holds its share of `subscriptions/listen`
    /// streams and of unfinished tasks (`tools/call`) by. Transports work
    /// it out for those requests only.
    pub client_addr: Option<IpAddr>,
    /// Run on a stateless-era request before it runs.
    pub check: Option<EraCheck<'a>>,
}

/// Where the session of a session-era message comes from.
#[derive(Debug, Clone, Copy)]
pub enum SessionSource<'a> {
    /// Named by the message (HTTP's `Mcp-Session-Id`; `None` when absent),
    /// among the server's sessions.
    Named(Option<&'a str>),
    /// Nowhere: the transport keeps no sessions (a stateless HTTP
    /// endpoint), so `initialize` opens none.
    Stateless,
    /// The connection's own (stdio): opened by its `initialize`.
    Connection(Option<&'a Session>),
}

/// What became of a message.
#[derive(Debug)]
pub enum Routed {
    /// A notification or a client's answer, taken (HTTP: 202).
    Accepted,
    /// Refused before anything ran; `id` is the request's, when the answer
    /// names it.
    Refused {
        /// The request refused, when the answer names it.
        id: Option<RequestId>,
        /// Why.
        refusal: Refusal,
    },
    /// `initialize` answered (`answer`, encoded), and the session it opened,
    /// when sessions are kept.
    Opened {
        /// The encoded response.
        answer: Vec<u8>,
        /// The new session.
        session: Option<Session>,
    },
    /// A request running: drive it to its outcome.
    Running(Exchange),
}

/// Why a message was refused before it ran.
#[derive(Debug)]
pub enum Refusal {
    /// The framing names a protocol revision this server does not speak.
    UnsupportedVersion(RpcError),
    /// A stateless-era request whose `_meta` or headers do not hold.
    Invalid(RpcError),
    /// A session-era message that names no session.
    MissingSession,
    /// The session named is unknown, expired, ended, or someone else's.
    UnknownSession,
    /// The session store failed, or is full.
    Store(StoreError),
    /// The request's id is already running in its session.
    DuplicateId(RpcError),
    /// `initialize` failed; its error is the answer.
    Initialize(RpcError),
}

impl Refusal {
    /// The JSON-RPC error that answers it.
    pub fn error(&self) -> RpcError {
        match self {
            Refusal::UnsupportedVersion(e) | Refusal::Invalid(e) | Refusal::DuplicateId(e) | Refusal::Initialize(e) => {
                e.clone()
            }
            Refusal::MissingSession => RpcError::new(code::SESSION_ERROR, "Bad Request: missing Mcp-Session-Id"),
            Refusal::UnknownSession => RpcError::new(code::SESSION_ERROR, "Session not found"),
            Refusal::Store(error @ StoreError::ClientFull(_)) => {
                RpcError::new(code::SESSION_ERROR, format!("Too Many Requests: {error}"))
            }
            Refusal::Store(error) => RpcError::new(code::SESSION_ERROR, format!("Service Unavailable: {error}")),
        }
    }
}

impl Server {
    /// The session a message names, checked against its caller: a session
    /// opened by an authenticated principal is found only by that
    /// principal (anyone else is told it does not exist). `None` where no
    /// sessions are kept.
    pub async fn find_session(
        &self,
        source: SessionSource<'_>,
        extensions: &http::Extensions,
    ) -> Result<Option<Session>, Refusal> {
        if let Some(session) = self.session_at_once(source) {
            return Ok(session);
        }
        let SessionSource::Named(Some(id)) = source else { return Err(Refusal::MissingSession) };
        match self.sessions().open(id).await {
            Ok(Some(session)) if crate::auth::may_use(session.record().owner.as_deref(), extensions) => {
                Ok(Some(session))
            }
            Ok(_) => Err(Refusal::UnknownSession),
            Err(error) => Err(Refusal::Store(error)),
        }
    }

    /// The session `source` names when finding it needs no store: the
    /// connection's own, or none where no sessions are kept. `None` when
    /// the store must be asked.
    fn session_at_once(&self, source: SessionSource<'_>) -> Option<Option<Session>> {
        match source {
            SessionSource::Connection(session) => Some(session.cloned()),
            SessionSource::Stateless => Some(None),
            SessionSource::Named(_) if !self.keeps_sessions() => Some(None),
            SessionSource::Named(_) => None,
        }
    }

    /// Routes one message from a client (see the module docs of
    /// [`server`](crate::server)): the one entry of every transport.
    ///
    /// A request that waits on nothing (one of the stateless era, or one
    /// whose session is at hand or that has none) is routed before this
    /// returns, and the future only hands its answer over. Anything else
    /// waits on the session store in a future of its own, on the heap, so
    /// the one a transport holds stays small for every request.
    ///
    /// ```
    /// use quickmcp::protocol::jsonrpc::Message;
    /// use quickmcp::peer::Step;
    /// use quickmcp::server::{Arrival, Routed, SessionSource};
    /// use quickmcp::Server;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let server = Server::builder("demo", "1.0.0").build();
    /// let message = Message::decode(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).unwrap();
    /// let arrival = Arrival {
    ///     protocol_version: None,
    ///     session: SessionSource::Connection(None),
    ///     extensions: Default::default(),
    ///     client_addr: None,
    ///     check: None,
    /// };
    /// let Routed::Running(mut exchange) = server.receive(message, arrival).await else { panic!() };
    /// let Some(Step::Done(outcome)) = exchange.next().await else { panic!() };
    /// assert_eq!(exchange.answer(&outcome), br#"{"jsonrpc":"2.0","id":1,"result":{}}"#);
    /// # });
    /// ```
    pub fn receive<'a>(&'a self, message: Message, arrival: Arrival<'a>) -> impl Future<Output = Routed> + Send + 'a {
        let routed = match (message, self.session_at_once(arrival.session)) {
            (Message::Request(request), _)
                if is_stateless_request(arrival.protocol_version, request.params.as_deref()) =>
            {
                self.receive_stateless(request, arrival)
            }
            // A request whose session is at hand (or that has none) waits
            // on nothing either.
            (Message::Request(request), Some(session)) if request.method != "initialize" => {
                unsupported_version(&arrival).unwrap_or_else(|| self.run(request, arrival, session))
            }
            (message, _) => return Either::Right(Box::pin(self.receive_in_session(message, arrival))),
        };
        Either::Left(std::future::ready(routed))
    }

    /// A message of the session era (or a notification, response or
    /// `initialize` of either).
    async fn receive_in_session(&self, message: Message, arrival: Arrival<'_>) -> Routed {
        if let Some(refused) = unsupported_version(&arrival) {
            return refused;
        }
        match message {
            // Once a session: its own future keeps every other call's small.
            Message::Request(request) if request.method == "initialize" => {
                Box::pin(self.open_session(request, arrival)).await
            }
            Message::Request(request) => match self.find_session(arrival.session, &arrival.extensions).await {
                Ok(session) => self.run(request, arrival, session),
                Err(refusal) => Routed::Refused { id: None, refusal },
            },
            // The stateless era has no sessions and nothing to deliver to.
            Message::Notification(_) | Message::Response(_)
                if arrival.protocol_version.is_some_and(version::is_stateless) =>
            {
                Routed::Accepted
            }
            Message::Notification(notification) => {
                match self.find_session(arrival.session, &arrival.extensions).await {
                    Ok(session) => {
                        self.handle_notification(&notification, session.as_ref()).await;
                        Routed::Accepted
                    }
                    Err(refusal) => Routed::Refused { id: None, refusal },
                }
            }
            Message::Response(response) => match self.find_session(arrival.session, &arrival.extensions).await {
                Ok(session) => {
                    self.handle_response(response, session.as_ref());
                    Routed::Accepted
                }
                Err(refusal) => Routed::Refused { id: None, refusal },
            },
        }
    }

    /// Starts a session-era request in `session` (registered in flight
    /// there, refused when its id is in use).
    fn run(&self, request: Request, arrival: Arrival<'_>, session: Option<Session>) -> Routed {
        let in_flight = match &session {
            Some(session) => match session.begin_request(request.id.clone()) {
                Some(in_flight) => Some(in_flight),
                None => {
                    let error = RpcError::invalid_request(format!(
                        "request id {} is already in use",
                        jsonrpc::echoed(&request.id.to_string())
                    ));
                    return Routed::Refused { id: Some(request.id), refusal: Refusal::DuplicateId(error) };
                }
            },
            None => None,
        };
        let env = RequestEnv {
            session,
            extensions: arrival.extensions,
            client_addr: arrival.client_addr,
            ..RequestEnv::default()
        };
        Routed::Running(self.start(request, env, in_flight))
    }

    /// A stateless-era request: `_meta` (and the transport's check) hold
    /// before it runs; there is never a session.
    fn receive_stateless(&self, request: Request, arrival: Arrival<'_>) -> Routed {
        let checked = StatelessRequest::parse(arrival.protocol_version, request.params.as_deref())
            .and_then(|era| arrival.check.map_or(Ok(()), |check| check(&request, &era)).map(|()| era));
        match checked {
            Ok(era) => {
                let env = RequestEnv {
                    stateless: Some(Box::new(era)),
                    extensions: arrival.extensions,
                    client_addr: arrival.client_addr,
                    ..RequestEnv::default()
                };
                Routed::Running(self.start(request, env, None))
            }
            Err(error) => Routed::Refused { id: Some(request.id), refusal: Refusal::Invalid(error) },
        }
    }

    /// `initialize` opens a session (where sessions are kept) only once it
    /// succeeded; a failed `initialize` leaves nothing.
    async fn open_session(&self, request: Request, arrival: Arrival<'_>) -> Routed {
        if matches!(arrival.session, SessionSource::Stateless) || !self.keeps_sessions() {
            let env = RequestEnv { extensions: arrival.extensions, ..RequestEnv::default() };
            return Routed::Running(self.start(request, env, None));
        }
        let (result, client) = match self.initialize(request.params.as_deref()) {
            Ok(answer) => answer,
            Err(error) => return Routed::Refused { id: Some(request.id), refusal: Refusal::Initialize(error) },
        };
        let mut record = SessionRecord::new();
        record.client = Some(client);
        record.client_addr = arrival.client_addr;
        record.owner = crate::auth::caller_subject(&arrival.extensions).map(str::to_owned);
        match self.sessions().create(record).await {
            Ok(session) => Routed::Opened { answer: jsonrpc::encode_result(&request.id, &result), session },
            Err(error) => Routed::Refused { id: Some(request.id), refusal: Refusal::Store(error) },
        }
    }

    /// Starts `request` as an exchange: what it sends goes to its outbox.
    fn start(&self, request: Request, mut env: RequestEnv, in_flight: Option<InFlight>) -> Exchange {
        let (sink, outbox) = outbox();
        env.sink = Some(sink);
        env.cancel = in_flight.as_ref().map(|f| f.token().clone());
        let (id, era, session) = (request.id.clone(), env.era(), env.session.clone());
        let open_ended = request.method == "subscriptions/listen";
        let server = self.clone();
        // A listener's future lives as long as its stream: without middleware
        // to run around it, it is the listener's own, not the dispatcher's
        // (sized for its largest method, kilobytes per held stream).
        let work: futures_util::future::BoxFuture<'static, _> =
            if open_ended && env.stateless.is_some() && self.inner.middleware.is_empty() {
                Box::pin(async move { server.listen_stateless(&request, env).await })
            } else {
                Box::pin(async move { server.handle_request(request, env).await })
            };
        let exchange = Exchange::new(id, era, session, work, outbox, in_flight);
        if open_ended { exchange.open_ended() } else { exchange }
    }
}

/// The refusal of a message whose `MCP-Protocol-Version` names a revision
/// this server does not speak.
fn unsupported_version(arrival: &Arrival<'_>) -> Option<Routed> {
    let v = arrival.protocol_version.filter(|v| !version::is_supported(v) && !version::is_stateless(v))?;
    let supported: Vec<&str> = version::all().collect();
    let v = jsonrpc::echoed(v);
    let error = RpcError::invalid_request(format!("unsupported MCP-Protocol-Version {v:?}"))
        .with_data(serde_json::json!({ "supported": supported, "requested": v }));
    Some(Routed::Refused { id: None, refusal: Refusal::UnsupportedVersion(error) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::era::{META_CLIENT_CAPABILITIES, META_PROTOCOL_VERSION};

    fn stateless(method: &str) -> Exchange {
        let params = serde_json::json!({
            "_meta": { META_PROTOCOL_VERSION: "2026-07-28", META_CLIENT_CAPABILITIES: {} },
            "notifications": {},
        });
        let request = Request {
            id: RequestId::Number(1),
            method: method.into(),
            params: Some(serde_json::value::to_raw_value(&params).unwrap()),
        };
        let era = StatelessRequest::parse(Some("2026-07-28"), request.params.as_deref()).unwrap();
        let env = RequestEnv { stateless: Some(Box::new(era)), ..RequestEnv::default() };
        Server::builder("t", "0").build().start(request, env, None)
    }

    /// glibc's allocator serves a request of up to 1032 bytes from its
    /// per-thread cache; a larger one takes its slow path, on every request.
    const CACHED: usize = 1032;

    #[test]
    fn a_held_listener_keeps_a_small_future_not_the_dispatchers() {
        let listener = stateless("subscriptions/listen").work_size().unwrap();
        assert!(listener < 1024, "a listener's future is {listener} bytes");
    }

    #[test]
    fn each_future_a_call_allocates_comes_from_the_allocators_cache() {
        let server = Server::builder("t", "0").build();
        let request = || Request { id: RequestId::Number(1), method: "tools/call".into(), params: None };
        let sizes = [
            ("start, 2026-07-28", stateless("tools/call").work_size().unwrap()),
            ("start, 2025-11-25", server.start(request(), RequestEnv::default(), None).work_size().unwrap()),
            ("handle_stateless", std::mem::size_of_val(&server.handle_stateless(request(), RequestEnv::default()))),
            (
                "call",
                std::mem::size_of_val(&server.call(
                    crate::server::call::Call::Tool,
                    request(),
                    RequestEnv::default(),
                    None,
                )),
            ),
            ("call_tool", {
                let id = RequestId::Number(1);
                let run = crate::server::call::ToolCallRun { name: "t", arguments: None, progress_token: None };
                std::mem::size_of_val(&server.call_tool(&id, run, RequestEnv::default(), None))
            }),
        ];
        for (future, size) in sizes {
            assert!(size <= CACHED, "{future}: {size} bytes");
        }
    }
}
