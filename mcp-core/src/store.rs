//! What every store shares, whatever it keeps (sessions, events, tasks,
//! cached results) and wherever (memory, Redis): the future its methods
//! return, the error they fail with, and the clock records are kept by.

use std::future::Future;
use std::pin::Pin;

/// The future a store method returns.
pub type StoreFuture<'a, T, E = StoreError> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'a>>;

/// Why a store could not do what it was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The store holds its maximum of sessions (answered 503).
    Full(usize),
    /// The client address holds its maximum of sessions (answered 429).
    ClientFull(usize),
    /// The store could not be reached or failed (answered 503).
    Unavailable(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Full(max) => write!(f, "the server holds its maximum of {max} sessions"),
            StoreError::ClientFull(max) => {
                write!(f, "this client holds its maximum of {max} sessions; end one (DELETE) or let it expire")
            }
            StoreError::Unavailable(why) => write!(f, "the session store is unavailable: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// So that a `main` returning `std::io::Result` can `?` a store's connect.
impl From<StoreError> for std::io::Error {
    fn from(error: StoreError) -> Self {
        let kind = match error {
            StoreError::Unavailable(_) => std::io::ErrorKind::ConnectionRefused,
            StoreError::Full(_) | StoreError::ClientFull(_) => std::io::ErrorKind::Other,
        };
        std::io::Error::new(kind, error)
    }
}

/// A store answer that is already known (memory stores never wait).
pub(crate) fn ready<'a, T: Send + 'a, E: Send + 'a>(value: Result<T, E>) -> StoreFuture<'a, T, E> {
    Box::pin(std::future::ready(value))
}

/// Milliseconds since the Unix epoch (what stores keep times in).
pub(crate) fn now_ms() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
