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
//! Standard output carries the protocol only: log to standard error.

use crate::Server;
use crate::jsonrpc::{self, Message, Notification, Request, RequestId, Response, RpcError, code};
use crate::session::{DEFAULT_STREAM_BUFFER, Session, SessionRecord, event_channel};
use crate::transport::{Outbound, RequestEnv, StatelessRequest, is_stateless_request, outbox};
use serde_json::value::RawValue;
use std::io;
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// The longest message line read (4 MiB, as the HTTP transport's body
/// limit); a longer one is answered `-32700` and skipped.
pub const MAX_LINE: usize = 4 * 1024 * 1024;

/// How long requests still running at end of input may take to answer.
pub const EOF_GRACE: Duration = Duration::from_secs(10);

/// Lines waiting to be written; a client that does not read its output
/// makes handlers wait here, not the server's memory grow.
const PENDING_LINES: usize = 256;

impl Server {
    /// Serves this server on standard input and output until input ends
    /// (see [`transport::stdio`](crate::transport::stdio)).
    ///
    /// ```no_run
    /// use mcp_core::{Server, tool, tools};
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
        let (out, lines) = mpsc::channel(PENDING_LINES);
        let writer = tokio::spawn(write_lines(lines, output));
        let mut connection = Connection { server: self, out, session: None, running: JoinSet::new(), forwarder: None };
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
    out: mpsc::Sender<Vec<u8>>,
    session: Option<Session>,
    /// The requests running.
    running: JoinSet<()>,
    /// Writes the session's notifications (its standalone stream).
    forwarder: Option<tokio::task::JoinHandle<()>>,
}

impl Connection {
    async fn write(&self, message: Vec<u8>) {
        let _ = self.out.send(message).await;
    }

    async fn receive(&mut self, line: &[u8]) {
        match Message::decode(line) {
            Ok(Message::Request(request)) => self.request(request).await,
            Ok(Message::Notification(notification)) => self.notification(&notification).await,
            Ok(Message::Response(response)) => self.response(response),
            Err(error) => self.write(jsonrpc::encode_error(error.id.as_ref(), &error.error)).await,
        }
    }

    async fn request(&mut self, request: Request) {
        let mut env = RequestEnv::default();
        if is_stateless_request(None, request.params.as_deref()) {
            let version = declared_version(request.params.as_deref());
            match StatelessRequest::parse(version.as_deref(), request.params.as_deref()) {
                Ok(stateless) => env.stateless = Some(Box::new(stateless)),
                Err(error) => return self.write(jsonrpc::encode_error(Some(&request.id), &error)).await,
            }
        } else if request.method == "initialize" {
            return self.initialize(request).await;
        } else {
            env.session = self.session.clone();
        }
        if env.session.as_ref().is_some_and(|s| s.is_in_flight(&request.id)) {
            let error = RpcError::invalid_request(format!("request id {} is already in use", request.id));
            return self.write(jsonrpc::encode_error(Some(&request.id), &error)).await;
        }
        while self.running.try_join_next().is_some() {} // forget finished requests
        self.running.spawn(run(self.server.clone(), request, env, self.out.clone()));
    }

    /// Answers `initialize` and opens the connection's session, whose
    /// standalone stream is this output.
    async fn initialize(&mut self, request: Request) {
        let (result, client) = match self.server.initialize(request.params.as_deref()) {
            Ok(answer) => answer,
            Err(error) => return self.write(jsonrpc::encode_error(Some(&request.id), &error)).await,
        };
        self.close_session().await;
        let mut record = SessionRecord::new();
        record.client = Some(client);
        match self.server.sessions().create(record).await {
            Ok(session) => self.session = session,
            Err(error) => {
                let error = RpcError::new(code::SESSION_ERROR, format!("Service Unavailable: {error}"));
                return self.write(jsonrpc::encode_error(Some(&request.id), &error)).await;
            }
        }
        if let Some(session) = &self.session {
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
        self.write(jsonrpc::encode_result(&request.id, &result)).await;
    }

    async fn notification(&self, notification: &Notification) {
        self.server.handle_notification(notification, self.session.as_ref()).await;
    }

    fn response(&self, response: Response) {
        self.server.handle_response(response, self.session.as_ref());
    }

    async fn close_session(&mut self) {
        if let Some(forwarder) = self.forwarder.take() {
            forwarder.abort();
        }
        if let Some(session) = self.session.take() {
            if let Err(error) = self.server.sessions().remove(session.id()).await {
                tracing::warn!(%error, "could not end the stdio session");
            }
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

/// Runs one request: what it sends first, then its result (none when it
/// was cancelled: the client stopped waiting).
async fn run(server: Server, request: Request, mut env: RequestEnv, out: mpsc::Sender<Vec<u8>>) {
    let (sink, mut outbox) = outbox();
    env.sink = Some(sink);
    let id: RequestId = request.id.clone();
    let work = server.handle_request(request, env);
    tokio::pin!(work);
    let outcome = loop {
        tokio::select! {
            biased;
            item = outbox.recv() => if let Outbound::Message(message) = item {
                let _ = out.send(message).await;
            },
            outcome = &mut work => break outcome,
        }
    };
    while let Some(item) = outbox.try_recv() {
        if let Outbound::Message(message) = item {
            let _ = out.send(message).await;
        }
    }
    let answer = match outcome {
        Err(error) if error.code == code::REQUEST_CANCELLED => return,
        Ok(result) => jsonrpc::encode_result(&id, &result),
        Err(error) => jsonrpc::encode_error(Some(&id), &error),
    };
    let _ = out.send(answer).await;
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

async fn write_lines<W: AsyncWrite + Unpin>(mut lines: mpsc::Receiver<Vec<u8>>, mut output: W) -> io::Result<()> {
    while let Some(mut line) = lines.recv().await {
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
