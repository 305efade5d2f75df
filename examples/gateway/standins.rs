//! STAND-IN model providers. There is no internet here and no model is
//! called: each stand-in is a small HTTP server on loopback that answers
//! `POST /v1/complete` the way a model API would, after its configured
//! latency, failing its configured share of requests with 503. Their
//! "answers" are computed from the prompt (its word count), so that
//! strategies can be compared; `gamma` disagrees on purpose.

use axum::routing::post;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// One stand-in's behaviour.
#[derive(Debug, Clone, PartialEq)]
pub struct StandIn {
    pub name: String,
    pub latency: Duration,
    /// The share of requests answered 503, from 0 to 1 (spread evenly:
    /// 0.25 fails every fourth request).
    pub failure_rate: f64,
}

impl StandIn {
    /// Stand-ins from `name:latency_ms:failure_rate,...`, as in
    /// `GATEWAY_STANDINS=alpha:40:0,beta:150:0.1,gamma:400:0.3`.
    pub fn parse_list(spec: &str) -> Result<Vec<StandIn>, String> {
        spec.split(',')
            .map(|item| {
                let parts: Vec<&str> = item.trim().split(':').collect();
                let [name, latency, rate] = parts[..] else {
                    return Err(format!("{item:?}: expected name:latency_ms:failure_rate"));
                };
                let latency = latency.parse().map_err(|_| format!("{item:?}: latency is whole milliseconds"))?;
                let failure_rate: f64 = rate.parse().map_err(|_| format!("{item:?}: failure rate is 0 to 1"))?;
                if !(0.0..=1.0).contains(&failure_rate) || name.is_empty() {
                    return Err(format!("{item:?}: a name and a failure rate from 0 to 1"));
                }
                Ok(StandIn { name: name.to_owned(), latency: Duration::from_millis(latency), failure_rate })
            })
            .collect()
    }
}

/// The default stand-ins: fast and reliable, slower and flaky, slow and
/// flakier (and contrary).
pub const DEFAULT_STANDINS: &str = "alpha:40:0,beta:150:0.1,gamma:400:0.3";

#[derive(serde::Deserialize)]
struct Completion {
    prompt: String,
}

/// Serves `standin` on a free loopback port; returns its address and the
/// count of requests it received.
pub async fn start(standin: StandIn) -> std::io::Result<(SocketAddr, Arc<AtomicU64>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let app = axum::Router::new().route(
        "/v1/complete",
        post(move |axum::Json(request): axum::Json<Completion>| {
            let (standin, counter) = (standin.clone(), counter.clone());
            async move {
                let n = counter.fetch_add(1, Ordering::Relaxed) as f64;
                tokio::time::sleep(standin.latency).await;
                // Fails request n when the running count of failures steps up.
                if ((n + 1.0) * standin.failure_rate).floor() > (n * standin.failure_rate).floor() {
                    return Err((http::StatusCode::SERVICE_UNAVAILABLE, "stand-in failure"));
                }
                let words = request.prompt.split_whitespace().count();
                let counted = if standin.name == "gamma" { words + 1 } else { words };
                let text = format!("{counted} words (stand-in {})", standin.name);
                Ok(axum::Json(serde_json::json!({ "model": standin.name, "text": text })))
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((address, received))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_parsed_and_checked() {
        let list = StandIn::parse_list(DEFAULT_STANDINS).unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[1], StandIn { name: "beta".into(), latency: Duration::from_millis(150), failure_rate: 0.1 });
        assert!(StandIn::parse_list("alpha:40").is_err());
        assert!(StandIn::parse_list("alpha:40:2").is_err());
    }
}
