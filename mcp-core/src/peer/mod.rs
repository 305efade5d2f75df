//! The JSON-RPC peer: what either end of an MCP connection keeps, whatever
//! carries its bytes.
//!
//! - [`InFlightRequests`]: the requests it is answering (each id once at a
//!   time, each cancellable);
//! - [`PendingRequests`]: the requests it sent, awaiting their answers;
//! - [`outbox`]: what a running request sends before its result;
//! - [`Exchange`]: one request being answered, driven the same way by
//!   every transport, which only frames what it yields;
//! - [`RequestEnv`]: how a request reached the server.
//!
//! The server's inbound router, [`Server::receive`](crate::Server::receive),
//! classifies each message and answers it with these; a transport keeps
//! only its framing (HTTP statuses, headers and SSE; stdio lines).

mod env;
mod exchange;
mod in_flight;
mod outbox;
mod pending;

pub use env::RequestEnv;
pub use exchange::{Exchange, Outcome, Step};
pub use in_flight::{InFlight, InFlightRequests};
pub use outbox::{OUTBOX_LIMIT, Outbound, Outbox, Sink, outbox};
pub use pending::{Answer, PendingRequests};
