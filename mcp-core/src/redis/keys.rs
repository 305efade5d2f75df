//! The names of the Redis keys and channel (see the module docs of
//! [`redis`](super)).

use crate::session::StreamId;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub(crate) struct Keys {
    prefix: Arc<str>,
}

impl Keys {
    pub(crate) fn new(prefix: &str) -> Self {
        Self { prefix: prefix.into() }
    }

    pub(crate) fn record(&self, session: &str) -> String {
        format!("{}:{{{session}}}:record", self.prefix)
    }

    pub(crate) fn values(&self, session: &str) -> String {
        format!("{}:{{{session}}}:values", self.prefix)
    }

    pub(crate) fn streams(&self, session: &str) -> String {
        format!("{}:{{{session}}}:streams", self.prefix)
    }

    pub(crate) fn events(&self, session: &str, stream: StreamId) -> String {
        format!("{}{stream}", self.events_prefix(session))
    }

    /// What every events key of `session` starts with.
    pub(crate) fn events_prefix(&self, session: &str) -> String {
        format!("{}:{{{session}}}:events:", self.prefix)
    }

    /// The list of the session's finished streams, oldest first.
    pub(crate) fn finished(&self, session: &str) -> String {
        format!("{}:{{{session}}}:finished", self.prefix)
    }

    /// The set of URIs the session subscribed to.
    pub(crate) fn subscriptions(&self, session: &str) -> String {
        format!("{}:{{{session}}}:subscriptions", self.prefix)
    }

    /// The set of sessions subscribed to `uri`.
    pub(crate) fn subscribers(&self, uri: &str) -> String {
        format!("{}:subscribers:{uri}", self.prefix)
    }

    /// The sorted set of the sessions opened from client address `addr`,
    /// by expiry.
    pub(crate) fn client(&self, addr: &std::net::IpAddr) -> String {
        format!("{}:client:{addr}", self.prefix)
    }

    /// The sorted set of session ids by expiry.
    pub(crate) fn index(&self) -> String {
        format!("{}:sessions", self.prefix)
    }

    pub(crate) fn bus(&self) -> String {
        format!("{}:bus", self.prefix)
    }

    /// The Redis Stream that keeps the signals a replica must not miss
    /// (client answers, cancellations) for one that was disconnected.
    pub(crate) fn kept_signals(&self) -> String {
        format!("{}:signals", self.prefix)
    }
}

/// The field of the `streams` hash that marks `stream` finished.
pub(crate) fn finished_field(stream: StreamId) -> String {
    format!("{stream}:finished")
}
