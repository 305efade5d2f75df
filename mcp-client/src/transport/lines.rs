//! One JSON-RPC message per line: the stdio transport of a server the
//! client starts as a child process, and the same framing over an
//! in-process pipe to a [`Server`] (tests, no sockets).

use super::{Outgoing, Transport};
use crate::error::ClientError;
use crate::inbox::{Inbox, MAX_MESSAGE};
use futures_util::future::BoxFuture;
use quickmcp::Server;
use std::process::Stdio;
use std::sync::Mutex;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

type Writer = Box<dyn AsyncWrite + Send + Unpin>;
type Reader = Box<dyn AsyncRead + Send + Unpin>;

/// Line framing over a pair of byte streams.
pub struct LineTransport {
    writer: tokio::sync::Mutex<Option<Writer>>,
    /// Taken by the first `send`, which starts reading (it brings the inbox).
    reader: Mutex<Option<Reader>>,
    child: Mutex<Option<Child>>,
}

impl LineTransport {
    /// Over `reader` and `writer` (what the server writes, what it reads).
    pub fn new(
        reader: impl AsyncRead + Send + Unpin + 'static,
        writer: impl AsyncWrite + Send + Unpin + 'static,
    ) -> Self {
        Self {
            writer: tokio::sync::Mutex::new(Some(Box::new(writer))),
            reader: Mutex::new(Some(Box::new(reader))),
            child: Mutex::new(None),
        }
    }

    /// Starts `command` with piped standard input and output (its standard
    /// error passes through to ours) and talks to it; the process is killed
    /// when the transport is dropped.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut command = tokio::process::Command::new("./target/debug/examples/weather");
    /// command.arg("--stdio");
    /// let client = quickmcp_client::Client::builder().connect(quickmcp_client::transport::lines::LineTransport::spawn(command)?).await?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn spawn(mut command: Command) -> std::io::Result<Self> {
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit()).kill_on_drop(true);
        let mut child = command.spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(std::io::Error::other("the child's standard input and output are not piped"));
        };
        let transport = Self::new(stdout, stdin);
        *transport.child.lock().unwrap_or_else(|p| p.into_inner()) = Some(child);
        Ok(transport)
    }

    /// Serves `server` in this process over a pipe and talks to it: the
    /// server's own stdio transport, without a process or a socket.
    pub fn in_process(server: Server) -> Self {
        let (ours, theirs) = tokio::io::duplex(64 * 1024);
        let (their_reader, their_writer) = tokio::io::split(theirs);
        tokio::spawn(async move {
            if let Err(error) = server.serve_io(their_reader, their_writer).await {
                tracing::debug!(%error, "the in-process server stopped");
            }
        });
        let (reader, writer) = tokio::io::split(ours);
        Self::new(reader, writer)
    }

    fn start_reading(&self, inbox: &Inbox) {
        let Some(reader) = self.reader.lock().unwrap_or_else(|p| p.into_inner()).take() else { return };
        tokio::spawn(read_lines(BufReader::new(reader), inbox.clone()));
    }
}

impl Transport for LineTransport {
    fn send<'a>(&'a self, message: Outgoing, inbox: &'a Inbox) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async move {
            self.start_reading(inbox);
            let mut writer = self.writer.lock().await;
            let writer = writer.as_mut().ok_or(ClientError::Closed)?;
            let mut line = message.bytes;
            line.push(b'\n');
            writer.write_all(&line).await.map_err(|e| ClientError::Transport(format!("writing to the server: {e}")))?;
            writer.flush().await.map_err(|e| ClientError::Transport(format!("writing to the server: {e}")))
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if let Some(mut writer) = self.writer.lock().await.take() {
                let _ = writer.shutdown().await;
            }
            let child = self.child.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(mut child) = child {
                // Input ended: a server exits; one that does not is killed.
                if tokio::time::timeout(std::time::Duration::from_secs(2), child.wait()).await.is_err() {
                    let _ = child.kill().await;
                }
            }
        })
    }
}

/// Delivers each line the server writes until its output ends; a line
/// longer than [`MAX_MESSAGE`] is skipped whole, and fails the request it
/// answers when its first bytes name it.
async fn read_lines(mut reader: impl AsyncBufRead + Unpin, inbox: Inbox) {
    let mut line = Vec::new();
    loop {
        match read_line_bounded(&mut reader, &mut line).await {
            Ok(Some(true)) => {
                if !line.iter().all(u8::is_ascii_whitespace) {
                    inbox.deliver(&line);
                }
            }
            Ok(Some(false)) => match crate::inbox::leading_id(&line) {
                Some(id) => inbox.fail_with(
                    &id,
                    ClientError::Protocol(format!("the server answered with a line over {MAX_MESSAGE} bytes")),
                ),
                None => {
                    tracing::warn!(max = MAX_MESSAGE, "a message from the server over the size limit was dropped")
                }
            },
            Ok(None) | Err(_) => break,
        }
    }
    inbox.close();
}

/// What is kept of a line too long: enough to find its id.
const KEPT_OF_A_LONG_LINE: usize = 4096;

/// Reads one line into `line`: `Some(true)` a line, `Some(false)` a line
/// too long (dropped: `line` keeps its first bytes), `None` the end of input.
async fn read_line_bounded(
    reader: &mut (impl AsyncBufRead + Unpin),
    line: &mut Vec<u8>,
) -> std::io::Result<Option<bool>> {
    line.clear();
    let mut fits = true;
    loop {
        let buffer = reader.fill_buf().await?;
        if buffer.is_empty() {
            return Ok((!line.is_empty() || !fits).then_some(fits));
        }
        let (chunk, done) = match buffer.iter().position(|b| *b == b'\n') {
            Some(end) => (&buffer[..end], end + 1),
            None => (buffer, buffer.len()),
        };
        if fits && line.len() + chunk.len() <= MAX_MESSAGE {
            line.extend_from_slice(chunk);
        } else if fits {
            fits = false;
            line.truncate(KEPT_OF_A_LONG_LINE);
        }
        let ended = done > chunk.len();
        reader.consume(done);
        if ended {
            return Ok(Some(fits));
        }
    }
}
