//! Runnable example servers; see the `[[example]]` targets in this package.
