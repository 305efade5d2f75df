//! The gateway's queries: providers behind circuit breakers and time
//! limits, and the three strategies that query them.

use super::breaker::Breaker;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most model names one query may list: every name is at least one
/// upstream call, and a client must not spend everyone's provider budget
/// (or open a circuit breaker for everyone) with one request.
pub const MAX_MODELS: usize = 8;

/// How to use the models asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Each model in the order given, until one answers.
    FirstAvailable,
    /// All at once; the first answer wins.
    Fastest,
    /// All at once; the answer most of them give wins.
    Consensus,
}

/// What one model did for a query.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Attempt {
    pub model: String,
    /// `ok`, `error: …`, `timeout`, `circuit open` or `unknown model`.
    pub outcome: String,
    pub millis: u64,
}

/// The gateway's answer.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Answer {
    pub strategy: Strategy,
    /// The chosen answer's text.
    pub text: String,
    /// The model whose answer was chosen (for `consensus`, the first of
    /// those that agree).
    pub model: String,
    /// For `consensus`: how many models gave the chosen answer, of those
    /// that answered.
    pub agreement: Option<String>,
    pub attempts: Vec<Attempt>,
}

/// A model and its circuit.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ModelStatus {
    pub model: String,
    /// Failed three times in a row: skipped until its cooldown ends.
    pub circuit_open: bool,
}

/// One model provider: where it is, how long a call may take, its breaker.
#[derive(Debug)]
struct Provider {
    address: SocketAddr,
    timeout: Duration,
    breaker: Breaker,
}

/// The providers by model name; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Gateway {
    providers: Arc<HashMap<String, Provider>>,
}

impl Gateway {
    /// Providers `(name, address)`, each call bounded by `timeout`; a
    /// provider failing three times in a row is skipped for `cooldown`.
    pub fn new(providers: Vec<(String, SocketAddr)>, timeout: Duration, cooldown: Duration) -> Self {
        let providers = providers
            .into_iter()
            .map(|(name, address)| (name, Provider { address, timeout, breaker: Breaker::new(3, cooldown) }))
            .collect();
        Self { providers: Arc::new(providers) }
    }

    /// The model names, sorted.
    pub fn models(&self) -> Vec<String> {
        let mut names: Vec<String> = self.providers.keys().cloned().collect();
        names.sort();
        names
    }

    /// Each model with whether its circuit is open (it is being skipped).
    pub fn status(&self) -> Vec<ModelStatus> {
        let mut status: Vec<ModelStatus> = self
            .providers
            .iter()
            .map(|(name, p)| ModelStatus { model: name.clone(), circuit_open: p.breaker.is_open() })
            .collect();
        status.sort_by(|a, b| a.model.cmp(&b.model));
        status
    }

    /// Asks `model` once: its answer's text, or why not.
    async fn ask(&self, model: &str, prompt: &str) -> (Attempt, Option<String>) {
        let started = Instant::now();
        let outcome = match self.providers.get(model) {
            None => Err("unknown model".to_owned()),
            Some(provider) if !provider.breaker.allow() => Err("circuit open".to_owned()),
            Some(provider) => {
                let call = complete(provider.address, prompt);
                let result = match tokio::time::timeout(provider.timeout, call).await {
                    Ok(Ok(text)) => Ok(text),
                    Ok(Err(error)) => Err(format!("error: {error}")),
                    Err(_) => Err("timeout".to_owned()),
                };
                match &result {
                    Ok(_) => provider.breaker.succeeded(),
                    Err(_) => provider.breaker.failed(),
                }
                result
            }
        };
        let millis = started.elapsed().as_millis() as u64;
        let attempt = |outcome: &str| Attempt { model: model.to_owned(), outcome: outcome.to_owned(), millis };
        match outcome {
            Ok(text) => (attempt("ok"), Some(text)),
            Err(why) => (attempt(&why), None),
        }
    }

    /// Queries `models` for `prompt` with `strategy`; a name given twice
    /// is asked once.
    pub async fn query(&self, prompt: &str, models: &[String], strategy: Strategy) -> Result<Answer, String> {
        if models.is_empty() {
            return Err("name at least one model".into());
        }
        let mut distinct: Vec<String> = Vec::with_capacity(models.len());
        for model in models {
            if !distinct.contains(model) {
                distinct.push(model.clone());
            }
        }
        let models = &distinct[..];
        let mut attempts = Vec::new();
        let chosen = match strategy {
            Strategy::FirstAvailable => {
                let mut chosen = None;
                for model in models {
                    let (attempt, text) = self.ask(model, prompt).await;
                    attempts.push(attempt);
                    if let Some(text) = text {
                        chosen = Some((model.clone(), text, None));
                        break;
                    }
                }
                chosen
            }
            Strategy::Fastest => {
                let mut racing: futures_util::stream::FuturesUnordered<_> =
                    models.iter().map(|model| async move { (model.clone(), self.ask(model, prompt).await) }).collect();
                let mut chosen = None;
                while let Some((model, (attempt, text))) = futures_util::StreamExt::next(&mut racing).await {
                    attempts.push(attempt);
                    if let Some(text) = text {
                        chosen = Some((model, text, None));
                        break; // the others are dropped: their calls stop
                    }
                }
                chosen
            }
            Strategy::Consensus => {
                let asked = futures_util::future::join_all(models.iter().map(|model| self.ask(model, prompt))).await;
                let mut votes: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for (model, (attempt, text)) in models.iter().zip(asked) {
                    attempts.push(attempt);
                    if let Some(text) = text {
                        votes.entry(answer_of(&text)).or_default().push(model.clone());
                    }
                }
                let answered: usize = votes.values().map(Vec::len).sum();
                votes.into_iter().max_by_key(|(_, voters)| voters.len()).map(|(answer, voters)| {
                    (voters[0].clone(), answer, Some(format!("{} of {answered}", voters.len())))
                })
            }
        };
        let (model, text, agreement) = chosen.ok_or_else(|| {
            let tried: Vec<String> = attempts.iter().map(|a| format!("{}: {}", a.model, a.outcome)).collect();
            format!("no model answered ({})", tried.join("; "))
        })?;
        Ok(Answer { strategy, text, model, agreement, attempts })
    }
}

/// What a stand-in answer says, without who said it (what `consensus`
/// compares).
fn answer_of(text: &str) -> String {
    text.split(" (stand-in").next().unwrap_or(text).to_owned()
}

/// `POST /v1/complete` to the provider at `address`: the answer's text.
async fn complete(address: SocketAddr, prompt: &str) -> Result<String, String> {
    let stream = tokio::net::TcpStream::connect(address).await.map_err(|e| e.to_string())?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    let body = serde_json::json!({ "prompt": prompt }).to_string();
    let request = http::Request::post("/v1/complete")
        .header(http::header::HOST, address.to_string())
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    if !status.is_success() {
        return Err(format!("HTTP {}", status.as_u16()));
    }
    #[derive(Deserialize)]
    struct Completion {
        text: String,
    }
    serde_json::from_slice::<Completion>(&body).map(|c| c.text).map_err(|e| e.to_string())
}
