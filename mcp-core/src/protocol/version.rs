//! Protocol revisions this server speaks and how one is chosen.
//!
//! Two eras are served side by side: the session era (`initialize`,
//! `Mcp-Session-Id`; revisions in [`SUPPORTED`]) and the stateless era
//! (per-request `_meta`, no sessions; revisions in [`STATELESS`]).

/// The newest session-era revision, offered when the client asks for one we
/// do not know.
pub const LATEST: &str = "2025-11-25";

/// Session-era revisions, newest first.
pub const SUPPORTED: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26"];

/// Stateless-era revisions, newest first.
pub const STATELESS: &[&str] = &["2026-07-28"];

/// Whether `version` is one of [`SUPPORTED`].
pub fn is_supported(version: &str) -> bool {
    SUPPORTED.contains(&version)
}

/// Whether `version` is one of [`STATELESS`].
pub fn is_stateless(version: &str) -> bool {
    STATELESS.contains(&version)
}

/// Every revision this server speaks, newest first.
pub fn all() -> impl Iterator<Item = &'static str> {
    STATELESS.iter().chain(SUPPORTED).copied()
}

/// The revision to answer an `initialize` that asked for `requested`: the same
/// one when supported, otherwise [`LATEST`] (the client then decides whether
/// it can continue, as the lifecycle section of the specification says).
///
/// ```
/// use quickmcp::protocol::version::negotiate;
/// assert_eq!(negotiate("2025-06-18"), "2025-06-18");
/// assert_eq!(negotiate("1999-01-01"), "2025-11-25");
/// ```
pub fn negotiate(requested: &str) -> &'static str {
    SUPPORTED.iter().copied().find(|v| *v == requested).unwrap_or(LATEST)
}
