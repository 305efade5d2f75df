//! The storable part of a session: what a [`SessionStore`](super::SessionStore)
//! keeps, and what any replica can load to serve the session's next request.

use crate::protocol::{ClientCapabilities, Implementation, LoggingLevel};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

/// What the client declared in `initialize`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientInfo {
    /// The negotiated protocol revision.
    pub protocol_version: String,
    /// The client's capabilities.
    pub capabilities: ClientCapabilities,
    /// The client's name and version.
    pub implementation: Implementation,
}

/// One session (`Mcp-Session-Id`) as a store keeps it: plain data, no
/// handles to anything running. Handlers see it read-only through
/// [`Context::session`](crate::Context::session).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionRecord {
    /// The session id: 128 random bits as 32 hex characters.
    pub id: String,
    /// What the client declared, once `initialize` ran.
    pub client: Option<ClientInfo>,
    /// Whether `notifications/initialized` arrived.
    pub initialized: bool,
    /// The minimum level of log messages the client wants (`logging/setLevel`).
    pub log_level: LoggingLevel,
    /// Who created the session (an authenticated principal), when known;
    /// only they may use it.
    pub owner: Option<String>,
    /// The address of the client that opened the session, when the
    /// transport knows it (stores bound the sessions of one address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_addr: Option<IpAddr>,
    /// When the session was created, in seconds since the Unix epoch.
    pub created_at: u64,
}

impl SessionRecord {
    /// A new session with a fresh unguessable id.
    pub fn new() -> Self {
        Self::with_id(new_session_id())
    }

    /// A new session with the given id.
    pub fn with_id(id: impl Into<String>) -> Self {
        let created_at = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Self {
            id: id.into(),
            client: None,
            initialized: false,
            log_level: LoggingLevel::Debug,
            owner: None,
            client_addr: None,
            created_at,
        }
    }

    /// The negotiated protocol revision, once `initialize` ran.
    pub fn protocol_version(&self) -> Option<&str> {
        self.client.as_ref().map(|c| c.protocol_version.as_str())
    }

    /// What the client declared at `initialize`, once it ran.
    pub fn client_capabilities(&self) -> Option<crate::protocol::ClientCapabilities> {
        self.client.as_ref().map(|c| c.capabilities)
    }
}

impl Default for SessionRecord {
    fn default() -> Self {
        Self::new()
    }
}

/// 128 random bits as 32 hex characters (visible ASCII, as the transport
/// specification requires).
fn new_session_id() -> String {
    let bits = crate::random::u128();
    format!("{bits:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_through_json() {
        let mut record = SessionRecord::new();
        record.client = Some(ClientInfo {
            protocol_version: "2025-11-25".into(),
            capabilities: ClientCapabilities::default(),
            implementation: Implementation { name: "c".into(), version: "1".into(), title: None },
        });
        let json = serde_json::to_string(&record).unwrap();
        assert_eq!(serde_json::from_str::<SessionRecord>(&json).unwrap(), record);
        assert_eq!(record.id.len(), 32);
        assert_ne!(SessionRecord::new().id, record.id);
    }
}
