//! Sessions of the 2025-11-25 era.
//!
//! A session has two halves that live in different places:
//! - its [`SessionRecord`] (id, what the client declared, log level, owner,
//!   timestamps): plain data kept by a [`SessionStore`], so that with a
//!   shared store any replica can serve the session's next request;
//! - its live handles (requests in flight, answers awaited from the client,
//!   connections attached to its streams): in this process only, created on
//!   first use.
//!
//! The events of its SSE streams, for `Last-Event-ID` resumption, are kept
//! by an [`EventStore`]. [`Sessions`] ties the three together for the
//! server and its transport; stateless mode is [`Sessions::none`], a store
//! that keeps nothing.

mod bus;
mod delivery;
mod events;
mod handle;
mod live;
pub use live::Claim;
mod publish;
mod record;
mod sessions;
mod shared;
mod store;
mod updates;

pub use crate::store::{StoreError, StoreFuture};
pub use bus::{SessionBus, Signal};
pub use delivery::{DEFAULT_STREAM_BUFFER, EventReceiver, EventSink, event_channel};
pub use events::{Event, EventId, EventStore, MemoryEventStore, Replay, ResumeError, StreamId};
pub use handle::Session;
use publish::run_now_or_spawn;
pub use record::{ClientInfo, SessionRecord};
pub use sessions::Sessions;
pub use store::{MemorySessionStore, NoSessions, RecordEdit, SessionStore, Swap};
