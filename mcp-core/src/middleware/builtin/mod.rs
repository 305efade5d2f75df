//! Middleware that comes with the framework, each a line to enable.

mod cache;
mod errors;
mod limits;
mod spans;
mod timing;
mod visibility;

pub use cache::{CacheFuture, CacheStore, MemoryCache, ResponseCache};
pub use errors::ErrorMapping;
pub use limits::{ConcurrencyLimit, RateLimit};
pub use spans::Spans;
pub use timing::Timing;
pub use visibility::Visibility;
