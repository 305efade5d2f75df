use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Syslog severities, least severe first (RFC 5424 order reversed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum LoggingLevel {
    /// Debug-level messages.
    Debug = 0,
    /// Informational messages.
    Info = 1,
    /// Normal but significant.
    Notice = 2,
    /// Warning conditions.
    Warning = 3,
    /// Error conditions.
    Error = 4,
    /// Critical conditions.
    Critical = 5,
    /// Action must be taken immediately.
    Alert = 6,
    /// System is unusable.
    Emergency = 7,
}

impl LoggingLevel {
    /// The level stored as `n` by [`LoggingLevel::as_u8`].
    pub fn from_u8(n: u8) -> Self {
        use LoggingLevel::*;
        [Debug, Info, Notice, Warning, Error, Critical, Alert, Emergency][usize::from(n.min(7))]
    }
    /// A compact form for atomics.
    pub fn as_u8(self) -> u8 {
        self as u8
    }
}

/// `logging/setLevel` params.
#[derive(Debug, Clone, Deserialize)]
pub struct SetLevelParams {
    /// The minimum level the client wants to receive.
    pub level: LoggingLevel,
}

/// `notifications/message` params.
#[derive(Debug, Clone, Serialize)]
pub struct LoggingMessageParams<'a> {
    /// Severity.
    pub level: LoggingLevel,
    /// The logger's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logger: Option<&'a str>,
    /// Any JSON.
    pub data: &'a Value,
}

/// `notifications/progress` params.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressParams<'a> {
    /// The token from the request's `_meta.progressToken`, exactly as received.
    pub progress_token: &'a Value,
    /// Progress so far; increases with each notification.
    pub progress: f64,
    /// Total, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// Human-readable status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
}

/// `notifications/cancelled` params.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelledParams {
    /// The request to stop.
    pub request_id: crate::protocol::jsonrpc::RequestId,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}
