//! One accepted connection, served as HTTP/1.1 or, with the `http2` feature,
//! as HTTP/2 when it opens with the HTTP/2 connection preface (cleartext
//! HTTP/2 with prior knowledge, as load balancers and proxies speak it to a
//! backend; TLS and ALPN are theirs), until it ends or the server drains.
//!
//! HTTP/2 carries many streams on one connection, so a client holding many
//! SSE streams costs the server one connection's buffers instead of one per
//! stream. Its bounds: `ServeLimits::http2_max_streams` streams open at
//! once per connection, 16 KiB of request headers, a 1 MiB flow-control
//! window per connection (what a client may send before the server reads),
//! pings every 20 s that close a connection whose peer stopped answering,
//! hyper's guards against rapid resets, and, like an idle HTTP/1.1
//! keep-alive connection, a connection with no stream open for the header
//! timeout is closed (GOAWAY).

use crate::drain::Draining;
use crate::serve::ServeLimits;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::error::Error as StdError;
use std::time::Duration;
use tokio::net::TcpStream;

type BoxError = Box<dyn StdError + Send + Sync>;

/// How the connections of one server are served.
pub(crate) struct Protocols {
    http1: http1::Builder,
    #[cfg(feature = "http2")]
    http2: hyper::server::conn::http2::Builder<hyper_util::rt::TokioExecutor>,
    /// Time to send a request head; over HTTP/2, the first bytes, and the
    /// longest a connection may stay without a stream.
    #[cfg_attr(not(feature = "http2"), allow(dead_code))]
    header_read_timeout: Duration,
}

impl Protocols {
    pub(crate) fn new(limits: &ServeLimits) -> Self {
        let header_read_timeout = limits.header_read_timeout.max(Duration::from_millis(100));
        let mut http1 = http1::Builder::new();
        http1.timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
        #[cfg(feature = "http2")]
        let http2 = {
            let mut http2 = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new());
            http2
                .timer(TokioTimer::new())
                .max_concurrent_streams(limits.http2_max_streams.max(1))
                .max_header_list_size(16 * 1024)
                .initial_connection_window_size(1024 * 1024)
                .keep_alive_interval(Duration::from_secs(20))
                .keep_alive_timeout(Duration::from_secs(20));
            http2
        };
        Self {
            http1,
            #[cfg(feature = "http2")]
            http2,
            header_read_timeout,
        }
    }

    /// Serves `tcp` with `service` until the connection ends; once
    /// `draining` starts, the connection finishes the requests it has and
    /// closes.
    pub(crate) async fn serve<S, B>(&self, tcp: TcpStream, service: S, draining: Draining) -> Result<(), BoxError>
    where
        S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        #[cfg(feature = "http2")]
        match tokio::time::timeout(self.header_read_timeout, opens_with_http2_preface(&tcp)).await {
            Ok(Ok(true)) => {
                // Boxed, so that an HTTP/1.1 connection's task does not
                // carry the room of an HTTP/2 one (about 3 KiB).
                let http2 = async move {
                    let (service, streams) = streams::Counted::new(service);
                    let mut connection = std::pin::pin!(self.http2.serve_connection(TokioIo::new(tcp), service));
                    tokio::select! {
                        ended = connection.as_mut() => return ended.map_err(Into::into),
                        () = draining.started() => connection.as_mut().graceful_shutdown(),
                        () = streams.idle_for(self.header_read_timeout) => {
                            // GOAWAY, then a PING the client must answer before
                            // the connection closes: a client that does not is dropped.
                            connection.as_mut().graceful_shutdown();
                            return match tokio::time::timeout(self.header_read_timeout, connection).await {
                                Ok(ended) => ended.map_err(Into::into),
                                Err(_) => Err("an idle HTTP/2 connection did not close after GOAWAY".into()),
                            };
                        }
                    }
                    connection.await.map_err(Into::into)
                };
                return Box::pin(http2).await;
            }
            Ok(Ok(false)) => {}
            Ok(Err(error)) => return Err(error.into()),
            Err(_) => return Err("no request within the header timeout".into()),
        }
        let mut connection = std::pin::pin!(self.http1.serve_connection(TokioIo::new(tcp), service));
        tokio::select! {
            ended = connection.as_mut() => return ended.map_err(Into::into),
            () = draining.started() => connection.as_mut().graceful_shutdown(),
        }
        connection.await.map_err(Into::into)
    }
}

/// The 24 bytes an HTTP/2 client sends first (RFC 9113, section 3.4).
#[cfg(feature = "http2")]
const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Whether the client's first bytes are the HTTP/2 preface, read without
/// taking them off the socket. An HTTP/1.1 request differs at its first
/// byte or two; a client that sends part of the preface and stops is waited
/// for by polling (rare; the caller's timeout ends it).
#[cfg(feature = "http2")]
async fn opens_with_http2_preface(tcp: &TcpStream) -> std::io::Result<bool> {
    let mut first = [0u8; PREFACE.len()];
    loop {
        let read = tcp.peek(&mut first).await?;
        if read == 0 || first[..read] != PREFACE[..read] {
            return Ok(false);
        }
        if read == PREFACE.len() {
            return Ok(true);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The streams open on one HTTP/2 connection, counted from the request
/// until its response body is dropped (sent, or reset by the client).
#[cfg(feature = "http2")]
mod streams {
    use super::BoxError;
    use http::{Request, Response};
    use hyper::body::Incoming;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::{Context, Poll};
    use std::time::Duration;
    use tokio::sync::watch;

    /// `service` whose requests are counted while their streams are open.
    #[derive(Clone)]
    pub(super) struct Counted<S> {
        service: S,
        open: Arc<watch::Sender<usize>>,
    }

    /// The count's receiving side.
    pub(super) struct OpenStreams(watch::Receiver<usize>);

    impl<S> Counted<S> {
        pub(super) fn new(service: S) -> (Self, OpenStreams) {
            let (open, count) = watch::channel(0);
            (Self { service, open: Arc::new(open) }, OpenStreams(count))
        }
    }

    impl OpenStreams {
        /// Resolves once no stream has been open for `timeout`.
        pub(super) async fn idle_for(mut self, timeout: Duration) {
            loop {
                if self.0.wait_for(|open| *open == 0).await.is_err() {
                    return std::future::pending().await;
                }
                if tokio::time::timeout(timeout, self.0.wait_for(|open| *open > 0)).await.is_err() {
                    return;
                }
            }
        }
    }

    /// One open stream: counted until dropped.
    struct Open(Arc<watch::Sender<usize>>);

    impl Open {
        fn new(open: &Arc<watch::Sender<usize>>) -> Self {
            open.send_modify(|open| *open += 1);
            Self(Arc::clone(open))
        }
    }

    impl Drop for Open {
        fn drop(&mut self) {
            self.0.send_modify(|open| *open -= 1);
        }
    }

    impl<S, B> hyper::service::Service<Request<Incoming>> for Counted<S>
    where
        S: hyper::service::Service<Request<Incoming>, Response = Response<B>>,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body + Send + 'static,
    {
        type Response = Response<Body<B>>;
        type Error = S::Error;
        type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

        fn call(&self, request: Request<Incoming>) -> Self::Future {
            let open = Open::new(&self.open);
            let answer = self.service.call(request);
            Box::pin(async move {
                let response = answer.await?;
                Ok(response.map(|body| Body { body, _open: open }))
            })
        }
    }

    pin_project_lite::pin_project! {
        /// A response body that keeps its stream counted.
        pub(super) struct Body<B> {
            #[pin]
            body: B,
            _open: Open,
        }
    }

    impl<B: http_body::Body> http_body::Body for Body<B> {
        type Data = B::Data;
        type Error = B::Error;

        fn poll_frame(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
            self.project().body.poll_frame(cx)
        }

        fn is_end_stream(&self) -> bool {
            self.body.is_end_stream()
        }

        fn size_hint(&self) -> http_body::SizeHint {
            self.body.size_hint()
        }
    }
}

#[cfg(all(test, feature = "http2"))]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    async fn pair() -> (tokio::net::TcpStream, tokio::net::TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = tokio::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (client, server)
    }

    #[tokio::test]
    async fn the_preface_is_told_from_an_http1_request() {
        let (mut client, server) = pair().await;
        client.write_all(b"POST /mcp HTTP/1.1\r\n").await.unwrap();
        assert!(!opens_with_http2_preface(&server).await.unwrap());

        let (mut client, server) = pair().await;
        client.write_all(PREFACE).await.unwrap();
        assert!(opens_with_http2_preface(&server).await.unwrap());
        let mut left = [0u8; 24];
        assert_eq!(server.peek(&mut left).await.unwrap(), 24, "the preface stays for hyper to read");
    }

    #[tokio::test]
    async fn a_preface_sent_in_parts_is_waited_for() {
        let (mut client, server) = pair().await;
        client.write_all(&PREFACE[..3]).await.unwrap();
        let sniff = tokio::spawn(async move { opens_with_http2_preface(&server).await.unwrap() });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!sniff.is_finished());
        client.write_all(&PREFACE[3..]).await.unwrap();
        assert!(sniff.await.unwrap());
    }

    #[tokio::test]
    async fn a_closed_connection_is_not_http2() {
        let (client, server) = pair().await;
        drop(client);
        assert!(!opens_with_http2_preface(&server).await.unwrap());
    }
}
