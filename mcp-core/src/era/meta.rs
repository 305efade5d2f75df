//! What a stateless-era request declares in its `_meta`: revision, client
//! capabilities and identity, log level. Checked in the order the revision
//! prescribes, and kept parsed per thread: clients send the same `_meta` on
//! every request, so a repeat costs a comparison instead of a parse.

use super::{META_CLIENT_CAPABILITIES, META_PROTOCOL_VERSION, codes, unsupported_version};
use crate::protocol::jsonrpc::{RpcError, echoed};
use crate::protocol::{ClientCapabilities, Implementation, LoggingLevel, version};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

/// What a stateless-era request declared in its `_meta`.
#[derive(Debug, Clone, Default)]
pub struct StatelessMeta {
    /// The revision of this request (one of [`version::STATELESS`]).
    pub protocol_version: &'static str,
    /// What the client can do for this request.
    pub client_capabilities: ClientCapabilities,
    /// Who the client says it is.
    pub client_info: Option<Implementation>,
    /// The minimum level of log messages wanted; none are sent when absent.
    pub log_level: Option<LoggingLevel>,
}

#[derive(Deserialize)]
struct MetaFields<'a> {
    #[serde(rename = "io.modelcontextprotocol/protocolVersion", borrow)]
    protocol_version: Option<Cow<'a, str>>,
    #[serde(rename = "io.modelcontextprotocol/clientCapabilities")]
    client_capabilities: Option<ClientCapabilities>,
    #[serde(rename = "io.modelcontextprotocol/clientInfo")]
    client_info: Option<Implementation>,
    #[serde(rename = "io.modelcontextprotocol/logLevel")]
    log_level: Option<LoggingLevel>,
    #[serde(rename = "progressToken")]
    progress_token: Option<Value>,
}

/// Whether `_meta` names a protocol revision (how a request without the
/// header is recognised as one of this era).
pub(super) fn names_a_version(raw: &str) -> bool {
    serde_json::from_str::<MetaFields<'_>>(raw).is_ok_and(|m| m.protocol_version.is_some())
}

/// A `_meta` that passed the checks: its declarations and progress token.
#[derive(Clone)]
pub(super) struct Declared {
    pub(super) meta: Arc<StatelessMeta>,
    pub(super) progress_token: Option<Value>,
}

/// Longest `_meta` kept parsed; a larger one is parsed every time.
const KEPT_META_MAX: usize = 1024;

thread_local! {
    /// The last valid `_meta` this thread read, verbatim, and what it declared.
    static LAST: RefCell<Option<(Box<str>, Declared)>> = const { RefCell::new(None) };
}

/// `f` given the text of the last `_meta` this thread accepted, if any: the
/// one the next request most likely repeats.
pub(super) fn with_last_text<R>(f: impl FnOnce(Option<&str>) -> R) -> R {
    LAST.with_borrow(|last| f(last.as_ref().map(|(text, _)| &**text)))
}

impl Declared {
    /// Checks `raw` (the request's `_meta`) against the `MCP-Protocol-Version`
    /// `header`: `_meta` complete, header and `_meta` agree, revision
    /// supported.
    pub(super) fn read(header: &str, raw: &str) -> Result<Self, RpcError> {
        let repeat = LAST.with_borrow(|last| match last {
            Some((text, declared)) if **text == *raw && declared.meta.protocol_version == header => {
                Some(declared.clone())
            }
            _ => None,
        });
        if let Some(declared) = repeat {
            return Ok(declared);
        }
        let declared = Self::check(header, raw)?;
        if raw.len() <= KEPT_META_MAX {
            LAST.with_borrow_mut(|last| *last = Some((raw.into(), declared.clone())));
        }
        Ok(declared)
    }

    fn check(header: &str, raw: &str) -> Result<Self, RpcError> {
        let fields: MetaFields<'_> = serde_json::from_str(raw)
            .map_err(|_| RpcError::invalid_params("`params._meta` is required in this protocol revision"))?;
        let requested = fields
            .protocol_version
            .ok_or_else(|| RpcError::invalid_params(format!("`_meta` must carry `{META_PROTOCOL_VERSION}`")))?;
        let client_capabilities = fields
            .client_capabilities
            .ok_or_else(|| RpcError::invalid_params(format!("`_meta` must carry `{META_CLIENT_CAPABILITIES}`")))?;
        if header != requested {
            return Err(RpcError::new(
                codes::HEADER_MISMATCH,
                format!(
                    "Header mismatch: MCP-Protocol-Version {:?} but _meta says {:?}",
                    echoed(header),
                    echoed(&requested)
                ),
            ));
        }
        let protocol_version = version::STATELESS
            .iter()
            .copied()
            .find(|v| *v == requested)
            .ok_or_else(|| unsupported_version(&requested))?;
        let meta = StatelessMeta {
            protocol_version,
            client_capabilities,
            client_info: fields.client_info.map(Implementation::bounded),
            log_level: fields.log_level,
        };
        Ok(Self { meta: Arc::new(meta), progress_token: fields.progress_token })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(v: Value) -> String {
        v.to_string()
    }

    #[test]
    fn a_repeated_meta_is_read_once_and_still_checked_against_the_header() {
        let meta = raw(json!({META_PROTOCOL_VERSION: "2026-07-28", META_CLIENT_CAPABILITIES: {"roots": {}}}));
        let first = Declared::read("2026-07-28", &meta).unwrap();
        let again = Declared::read("2026-07-28", &meta).unwrap();
        assert!(Arc::ptr_eq(&first.meta, &again.meta), "a repeat shares the parsed declarations");
        assert_eq!(Declared::read("2026-01-01", &meta).err().unwrap().code, codes::HEADER_MISMATCH);
        let other = raw(json!({META_PROTOCOL_VERSION: "2026-07-28", META_CLIENT_CAPABILITIES: {}}));
        assert!(Declared::read("2026-07-28", &other).unwrap().meta.client_capabilities.roots.is_none());
    }
}
