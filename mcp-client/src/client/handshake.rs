//! The handshake: the era and revision the client and the server agree on,
//! by `server/discover` (2026-07-28), `initialize` (2025-11-25), or the
//! first then the second.

use super::Client;
use super::exchange::Extras;
use crate::error::ClientError;
use quickmcp::middleware::Era;
use quickmcp::protocol::version;
use serde_json::{Value, json};

/// The stateless era's "unsupported protocol version" error.
const UNSUPPORTED_VERSION: i64 = -32022;

/// What the handshake settled.
#[derive(Debug)]
pub(super) struct Agreed {
    pub(super) era: Era,
    pub(super) revision: &'static str,
    /// The `initialize` or `server/discover` result.
    pub(super) server: Value,
    /// What every stateless-era request says of the client in `_meta`,
    /// built once (`Null` in the session era).
    pub(super) meta: Value,
}

impl Client {
    /// Agrees on the era: `era` only, or by default `server/discover` and,
    /// when the server does not know it, `initialize`.
    pub(super) async fn handshake(&self, era: Option<Era>) -> Result<(), ClientError> {
        let client = self;
        let agreed = match era {
            Some(Era::Stateless) => client.discover().await?,
            Some(Era::Session) => client.initialize().await?,
            None => match client.discover().await {
                Ok(agreed) => agreed,
                Err(ClientError::Rpc(_) | ClientError::Transport(_) | ClientError::Protocol(_)) => {
                    client.initialize().await?
                }
                Err(other) => return Err(other),
            },
        };
        let _ = client.inner.agreed.set(agreed);
        if client.era() == Era::Session {
            client.notify("notifications/initialized", json!({})).await?;
        }
        Ok(())
    }

    async fn initialize(&self) -> Result<Agreed, ClientError> {
        let params = json!({
            "protocolVersion": version::LATEST,
            "capabilities": self.inner.capabilities,
            "clientInfo": self.inner.info,
        });
        let server = self.send_request("initialize", params, &Extras::default(), None).await?;
        let offered = server.get("protocolVersion").and_then(Value::as_str).unwrap_or_default();
        let revision = version::SUPPORTED
            .iter()
            .find(|v| **v == offered)
            .ok_or_else(|| ClientError::Protocol(format!("the server offers protocol version {offered:?}")))?;
        Ok(Agreed { era: Era::Session, revision, server, meta: Value::Null })
    }

    async fn discover(&self) -> Result<Agreed, ClientError> {
        let mut revision = version::STATELESS[0];
        let mut retried = false;
        loop {
            let params = json!({"_meta": self.meta(revision)});
            match self.send_request("server/discover", params, &Extras::default(), Some(revision)).await {
                Ok(server) => return Ok(Agreed { era: Era::Stateless, revision, server, meta: self.meta(revision) }),
                // -32022: the server names the revisions it supports; try
                // one of ours among them, once.
                Err(ClientError::Rpc(error)) if error.code == UNSUPPORTED_VERSION && !retried => {
                    let supported = error.data.as_ref().and_then(|d| d.get("supported")).and_then(Value::as_array);
                    let ours = supported
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .find_map(|v| version::STATELESS.iter().find(|ours| **ours == v));
                    match ours {
                        Some(ours) => (revision, retried) = (ours, true),
                        None => return Err(ClientError::Rpc(error)),
                    }
                }
                Err(other) => return Err(other),
            }
        }
    }

    /// What a stateless-era request says of its client in `_meta`.
    fn meta(&self, revision: &str) -> Value {
        json!({
            "io.modelcontextprotocol/protocolVersion": revision,
            "io.modelcontextprotocol/clientInfo": self.inner.info,
            "io.modelcontextprotocol/clientCapabilities": self.inner.capabilities,
        })
    }
}
