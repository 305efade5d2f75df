//! A POST answered as an SSE stream: the request's messages, then its
//! result. With a session the stream is resumable: the request runs on its
//! own task, every event is kept, and a dropped connection can resume with
//! `Last-Event-ID`. Without one, the stream drives the request itself, so a
//! dropped connection cancels it.

use super::{Endpoint, store_unavailable};
use crate::drain::Draining;
use crate::reply;
use crate::sse;
use axum::body::Bytes;
use axum::response::Response;
use quickmcp::peer::{Exchange, Outbound, Step};
use quickmcp::session::{Session, StreamId};
use std::sync::Arc;

/// Switches the answer to SSE; `first` is what the request sent first.
/// A request that runs until its stream closes (`subscriptions/listen`)
/// ends when the server starts shutting down; others may finish.
pub(super) async fn open(
    endpoint: &Arc<Endpoint>,
    exchange: Exchange,
    first: Outbound,
    draining: Option<Draining>,
) -> Response {
    let keep_alive = endpoint.config.keep_alive;
    let Some(session) = exchange.session().cloned() else {
        let draining = draining.filter(|_| exchange.is_open_ended());
        let end = Draining::started_or_never(draining);
        return reply::sse(unresumable(exchange, first, keep_alive, end, endpoint.config.retry_ms));
    };
    let stream_id = match session.open_stream().await {
        Ok(stream_id) => stream_id,
        Err(error) => return store_unavailable(&error),
    };
    let (events, received) = quickmcp::session::event_channel(endpoint.config.stream_buffer);
    session.attach(stream_id, events);
    let priming = quickmcp::session::EventId::priming(stream_id).to_string();
    let head = sse::priming_for(&session, &priming, endpoint.config.retry_ms);
    forward(&session, stream_id, first).await;
    tokio::spawn(pump(session, stream_id, exchange));
    reply::sse(sse::event_stream(head, received, 0, keep_alive, std::future::pending(), 0))
}

/// The SSE body of a request without a session: what it sends, then its
/// result; dropping the body drops the request, and so does `end`, after
/// [`sse::closing`].
fn unresumable(
    mut exchange: Exchange,
    first: Outbound,
    every: std::time::Duration,
    end: impl std::future::Future<Output = ()> + Send + 'static,
    retry_ms: u64,
) -> impl futures_util::Stream<Item = Result<Bytes, std::convert::Infallible>> + Send {
    async_stream::stream! {
        if let Outbound::Message(message) = first {
            yield Ok(sse::frame(None, &message));
        }
        let mut ticker = sse::keep_alive_ticker(every);
        let mut end = std::pin::pin!(end);
        loop {
            let step = tokio::select! {
                biased;
                () = &mut end => {
                    yield Ok(sse::closing(retry_ms));
                    break;
                }
                step = exchange.next() => step,
                _ = ticker.tick() => {
                    yield Ok(sse::keep_alive());
                    continue;
                }
            };
            match step {
                Some(Step::Send(Outbound::Message(message))) => yield Ok(sse::frame(None, &message)),
                Some(Step::Send(Outbound::CloseStream)) => {}
                Some(Step::Done(outcome)) => {
                    yield Ok(sse::frame(None, &exchange.answer(&outcome)));
                    break;
                }
                None => break,
            }
        }
    }
}

/// Records a message on the stream (forwarding it to the attached
/// connection), or closes the connection when the handler asks to.
async fn forward(session: &Session, stream_id: StreamId, item: Outbound) {
    match item {
        Outbound::Message(message) => {
            if let Err(error) = session.publish(stream_id, message).await {
                tracing::warn!(?error, "an event could not be kept for resumption");
            }
        }
        Outbound::CloseStream => session.detach(stream_id),
    }
}

/// Moves a running request's messages, then its result, into its stream.
async fn pump(session: Session, stream_id: StreamId, mut exchange: Exchange) {
    while let Some(step) = exchange.next().await {
        match step {
            Step::Send(item) => forward(&session, stream_id, item).await,
            Step::Done(outcome) => {
                if let Some(answer) = exchange.stream_answer(&outcome) {
                    forward(&session, stream_id, Outbound::Message(answer)).await;
                }
            }
        }
    }
    session.finish_stream(stream_id).await;
}
