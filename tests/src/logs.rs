//! What a piece of code logs, captured as text (for start-up warnings).
//!
//! One process-wide subscriber writes each event into the buffer of the
//! thread that logged it, if that thread is capturing. A scoped subscriber
//! per call (`tracing::subscriber::with_default`) would be simpler, but
//! `tracing` caches each call site's interest across all threads: when two
//! tests in one binary set and drop their own subscribers at once, a call
//! site can be left marked as wanted by nobody, and its warning is lost.

use std::cell::RefCell;
use std::io::Write;
use std::sync::Once;

thread_local! {
    static CAPTURED: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// Runs `work` and returns what it logged on this thread at `INFO` and
/// above, without colours.
pub fn logged_while(work: impl FnOnce()) -> String {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(|| ThisThread).finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in a binary that captures logs");
    });
    CAPTURED.with(|captured| *captured.borrow_mut() = Some(Vec::new()));
    work();
    let bytes = CAPTURED.with(|captured| captured.borrow_mut().take()).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Writes into this thread's capture, or nowhere when it is not capturing.
struct ThisThread;

impl Write for ThisThread {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        CAPTURED.with(|captured| {
            if let Some(buffer) = captured.borrow_mut().as_mut() {
                buffer.extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
