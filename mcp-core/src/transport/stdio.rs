//! The stdio transport: newline-delimited JSON-RPC on standard input and
//! output, for servers a client starts as a subprocess.
//!
//! One connection is one client: `initialize` opens its session (in the
//! session era), requests run concurrently, what a handler sends before its
//! result (progress, logs, questions to the client) and the server's own
//! notifications (`list_changed`, `resources/updated`) are written as they
//! come, and the client's answers and cancellations reach the handlers. A
//! request whose `_meta` names a protocol version takes the stateless era's
//! method table, as over HTTP. At end of input, requests still running
//! get [`EOF_GRACE`] to finish and write their answers (so `printf … |
//! server` works); then the session ends, cancelling what remains, and
//! the call returns.
//!
//! Everything a connection holds is bounded, so that a client that sends
//! faster than it reads (or stops reading) slows down instead of growing
//! the server's memory: a line is at most [`MAX_LINE`] bytes; at most
//! [`MAX_IN_FLIGHT`] requests, and [`MAX_IN_FLIGHT_BYTES`] of their lines,
//! run at once, and past either bound the transport stops reading input
//! until one finishes (backpressure reaches the client's writes); what
//! waits to be written is at most [`MAX_PENDING_BYTES`]. A handler that
//! asks the client something needs its answer read: should every request
//! in flight be waiting for one, they wait until their
//! [`client_request_timeout`](crate::server::ServerBuilder::client_request_timeout).
//!
//! Standard output carries the protocol only: log to standard error.

use crate::Server;
use crate::era::is_stateless_request;
use crate::peer::{Exchange, Outbound, Step};
use crate::protocol::jsonrpc::{self, Message, RpcError, code};
use crate::server::{Arrival, Routed, SessionSource};
use crate::session::{DEFAULT_STREAM_BUFFER, Session, event_channel};
use serde_json::value::RawValue;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinSet;

/// The longest message line read (4 MiB, as the HTTP transport's body
/// limit); a longer one is answered `-32700` and skipped.
pub const MAX_LINE: usize = 4 * 1024 * 1024;

/// How long requests still running at end of input may take to answer.
pub const EOF_GRACE: Duration = Duration::from_secs(10);

/// Lines waiting to be written; a client that does not read its output
/// makes handlers wait here, not the server's memory grow.
const PENDING_LINES: usize = 256;

/// Most requests of one connection running at once; past it, input is not
/// read until one finishes.
pub const MAX_IN_FLIGHT: usize = 64;

/// Most bytes of request lines running at once (a line larger than this
/// runs alone); past it, input is not read until one finishes.
pub const MAX_IN_FLIGHT_BYTES: usize = 16 * 1024 * 1024;

/// Most bytes of messages waiting to be written (a larger message waits
/// alone); past it, requests wait to write their answers.
pub const MAX_PENDING_BYTES: usize = 16 * 1024 * 1024;

impl Server {
    /// Serves this server on standard input and output until input ends
    /// (see [`transport::stdio`](crate::transport::stdio)).
    ///
    /// ```no_run
    /// use quickmcp::prelude::*;
    ///
    /// /// Says hello.
    /// #[tool]
    /// async fn hello(name: String) -> String {
    ///     format!("Hello, {name}!")
    /// }
    ///
    /// #[tokio::main]
    /// async fn main() -> std::io::Result<()> {
    ///     // Logs, if any, go to standard error: standard output is the protocol.
    ///     Server::builder("hello", "0.1.0").tools(tools![hello]).build().serve_stdio().await
    /// }
    /// ```
    pub async fn serve_stdio(self) -> io::Result<()> {
        self.serve_io(tokio::io::stdin(), tokio::io::stdout()).await
    }

    /// Serves this server on any byte streams, one JSON-RPC message per
    /// line each way, until `input` ends.
    pub async fn serve_io<R, W>(self, input: R, output: W) -> io::Result<()>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let (out, lines) = Output::new();
        let writer = tokio::spawn(write_lines(lines, output));
        let mut connection = Connection {
            server: self,
            out,
            session: None,
            running: JoinSet::new(),
            forwarder: None,
            requests: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            request_bytes: Arc::new(Semaphore::new(MAX_IN_FLIGHT_BYTES)),
        };
        let mut input = BufReader::new(input);
        let mut line = Vec::new();
        loop {
            match read_line(&mut input, &mut line).await? {
                Read::End => break,
                Read::TooLong => {
                    let error = RpcError::new(code::PARSE_ERROR, format!("a message line is at most {MAX_LINE} bytes"));
                    connection.write(jsonrpc::encode_error(None, &error)).await;
                }
                Read::Line if line.iter().all(u8::is_ascii_whitespace) => {}
                Read::Line => connection.receive(&line).await,
            }
        }
        connection.close().await;
        writer.await.map_err(io::Error::other)?
    }
}

/// One client on one pair of streams.
struct Connection {
    server: Server,
    out: Output,
    session: Option<Session>,
    /// The requests running.
    running: JoinSet<()>,
    /// Writes the session's notifications (its standalone stream).
    forwarder: Option<tokio::task::JoinHandle<()>>,
    /// A permit per request running ([`MAX_IN_FLIGHT`]).
    requests: Arc<Semaphore>,
    /// A permit per byte of the lines of the requests running
    /// ([`MAX_IN_FLIGHT_BYTES`]).
    request_bytes: Arc<Semaphore>,
}

/// What a running request holds of the connection's bounds, given back
/// when it finishes.
struct InFlight {
    _request: OwnedSemaphorePermit,
    _bytes: OwnedSemaphorePermit,
}

/// The queue of messages to write, bounded by count ([`PENDING_LINES`])
/// and by bytes ([`MAX_PENDING_BYTES`]).
#[derive(Clone)]
struct Output {
    lines: mpsc::Sender<(Vec<u8>, OwnedSemaphorePermit)>,
    bytes: Arc<Semaphore>,
}

impl Output {
    fn new() -> (Self, mpsc::Receiver<(Vec<u8>, OwnedSemaphorePermit)>) {
        let (lines, queued) = mpsc::channel(PENDING_LINES);
        (Self { lines, bytes: Arc::new(Semaphore::new(MAX_PENDING_BYTES)) }, queued)
    }

    /// Queues `message`, waiting while the queue is full; `Err` when the
    /// output is gone.
    async fn send(&self, message: Vec<u8>) -> Result<(), ()> {
        let permit = Arc::clone(&self.bytes).acquire_many_owned(permits(message.len(), MAX_PENDING_BYTES)).await;
        let permit = permit.map_err(|_| ())?;
        self.lines.send((message, permit)).await.map_err(|_| ())
    }
}

/// The permits `bytes` takes of a byte budget of `budget`: at least one,
/// at most the whole budget (so that a large message waits alone rather
/// than forever).
fn permits(bytes: usize, budget: usize) -> u32 {
    u32::try_from(bytes.clamp(1, budget)).unwrap_or(u32::MAX)
}

impl Connection {
    async fn write(&self, message: Vec<u8>) {
        let _ = self.out.send(message).await;
    }

    /// Waits until a request of `line_len` bytes may run: input is not read
    /// meanwhile, which is what slows a client that outpaces its reading.
    async fn admit(&self, line_len: usize) -> Option<InFlight> {
        let request = Arc::clone(&self.requests).acquire_owned().await.ok()?;
        let bytes = Arc::clone(&self.request_bytes);
        let bytes = bytes.acquire_many_owned(permits(line_len, MAX_IN_FLIGHT_BYTES)).await.ok()?;
        Some(InFlight { _request: request, _bytes: bytes })
    }

    async fn receive(&mut self, line: &[u8]) {
        let message = match Message::decode(line) {
            Ok(message) => message,
            Err(error) => return self.write(jsonrpc::encode_error(error.id.as_ref(), &error.error)).await,
        };
        // Over stdio there is no header: a request's `_meta` names its revision.
        let declared = match &message {
            Message::Request(request) if is_stateless_request(None, request.params.as_deref()) => {
                declared_version(request.params.as_deref())
            }
            _ => None,
        };
        let arrival = Arrival {
            protocol_version: declared.as_deref(),
            session: SessionSource::Connection(self.session.as_ref()),
            extensions: http::Extensions::new(),
            client_addr: None,
            check: None,
        };
        match self.server.receive(message, arrival).await {
            Routed::Accepted => {}
            Routed::Refused { id, refusal } => self.write(jsonrpc::encode_error(id.as_ref(), &refusal.error())).await,
            Routed::Opened { answer, session } => {
                self.close_session().await;
                self.session = session;
                self.forward_notifications().await;
                self.write(answer).await;
            }
            Routed::Running(exchange) => {
                while self.running.try_join_next().is_some() {} // forget finished requests
                let Some(in_flight) = self.admit(line.len()).await else { return };
                let out = self.out.clone();
                self.running.spawn(async move {
                    run(exchange, out).await;
                    drop(in_flight);
                });
            }
        }
    }

    /// Makes this output the session's standalone stream: the server's own
    /// notifications (`list_changed`, `resources/updated`) are written here.
    async fn forward_notifications(&mut self) {
        let Some(session) = &self.session else {
            return;
        };
        let (sink, mut events) = event_channel(DEFAULT_STREAM_BUFFER);
        if let Ok(Some(_)) = session.open_standalone(sink).await {
            let out = self.out.clone();
            self.forwarder = Some(tokio::spawn(async move {
                while let Some(event) = events.recv().await {
                    if out.send(event.data).await.is_err() {
                        break;
                    }
                }
            }));
        }
    }

    async fn close_session(&mut self) {
        if let Some(forwarder) = self.forwarder.take() {
            forwarder.abort();
        }
        if let Some(session) = self.session.take()
            && let Err(error) = self.server.sessions().remove(session.id()).await
        {
            tracing::warn!(%error, "could not end the stdio session");
        }
    }

    /// End of input: running requests get [`EOF_GRACE`] to answer, then
    /// the session ends (cancelling what remains); what was written is
    /// flushed.
    async fn close(mut self) {
        let finished = async { while self.running.join_next().await.is_some() {} };
        let _ = tokio::time::timeout(EOF_GRACE, finished).await;
        self.close_session().await;
        self.running.abort_all();
        while self.running.join_next().await.is_some() {}
    }
}

/// Writes what a request sends, then its answer (none when it was
/// cancelled: the client stopped waiting).
async fn run(mut exchange: Exchange, out: Output) {
    while let Some(step) = exchange.next().await {
        let line = match step {
            Step::Send(Outbound::Message(message)) => message,
            Step::Send(Outbound::CloseStream) => continue,
            Step::Done(outcome) => match exchange.stream_answer(&outcome) {
                Some(answer) => answer,
                None => return,
            },
        };
        if out.send(line).await.is_err() {
            return;
        }
    }
}

/// The protocol version a stateless-era request's `_meta` declares (over
/// stdio there is no header to name it).
fn declared_version(params: Option<&RawValue>) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Params {
        #[serde(rename = "_meta")]
        meta: Option<Meta>,
    }
    #[derive(serde::Deserialize)]
    struct Meta {
        #[serde(rename = "io.modelcontextprotocol/protocolVersion")]
        version: Option<String>,
    }
    serde_json::from_str::<Params>(params?.get()).ok()?.meta?.version
}

async fn write_lines<W: AsyncWrite + Unpin>(
    mut lines: mpsc::Receiver<(Vec<u8>, OwnedSemaphorePermit)>,
    mut output: W,
) -> io::Result<()> {
    // The permit goes once the line is written: its bytes leave the queue.
    while let Some((mut line, _permit)) = lines.recv().await {
        line.push(b'\n');
        output.write_all(&line).await?;
        output.flush().await?;
    }
    Ok(())
}

enum Read {
    Line,
    TooLong,
    End,
}

/// Reads one line into `line` (without its newline), holding at most
/// [`MAX_LINE`] bytes: the rest of a longer line is skipped.
async fn read_line<R: AsyncBufRead + Unpin>(input: &mut R, line: &mut Vec<u8>) -> io::Result<Read> {
    line.clear();
    let mut too_long = false;
    loop {
        let available = input.fill_buf().await?;
        if available.is_empty() {
            return Ok(if line.is_empty() && !too_long {
                Read::End
            } else if too_long {
                Read::TooLong
            } else {
                Read::Line
            });
        }
        let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
            Some(end) => (&available[..end], Some(end + 1)),
            None => (available, None),
        };
        if !too_long && line.len() + chunk.len() <= MAX_LINE {
            line.extend_from_slice(chunk);
        } else {
            too_long = true;
            line.clear();
        }
        let used = done.unwrap_or(available.len());
        input.consume(used);
        if done.is_some() {
            return Ok(if too_long { Read::TooLong } else { Read::Line });
        }
    }
}
