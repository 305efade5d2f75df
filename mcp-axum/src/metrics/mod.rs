//! Prometheus metrics (feature `metrics`, on by default): HTTP requests at
//! the endpoint (a tower layer) and MCP requests (middleware on the
//! server), exposed at `/metrics` or on a listener of their own.
//!
//! | metric | type | labels |
//! | ------ | ---- | ------ |
//! | `mcp_http_requests_total` | counter | `http_request_method`, `http_response_status_code` |
//! | `mcp_http_requests_in_flight` | gauge | |
//! | `mcp_http_rejections_total` | counter | `reason`: `origin`, `rate_limit`, `content_type`, `body_size`, `overload`, `session_cap`, `server_cap`, `client_limit`, `auth`, `scope` |
//! | `mcp_sse_streams_open` | gauge | |
//! | `mcp_sessions_active` | gauge | (read from the session store at scrape time) |
//! | `mcp_requests_total` | counter | `mcp_method_name`, `gen_ai_tool_name`, `outcome`: `ok`, `tool_error` or the JSON-RPC error code |
//! | `mcp_request_duration_seconds` | histogram | `mcp_method_name`, `gen_ai_tool_name` |
//!
//! A server whose tools run as tasks adds (read at scrape time; the queue
//! is the store's, the same on every replica, the rest this process's):
//!
//! | metric | type | labels |
//! | ------ | ---- | ------ |
//! | `mcp_tasks_queued` | gauge | |
//! | `mcp_tasks_claimed` | gauge | |
//! | `mcp_tasks_oldest_queued_seconds` | gauge | |
//! | `mcp_task_workers` | gauge | |
//! | `mcp_tasks_running` | gauge | |
//! | `mcp_task_runs_total` | counter | `outcome`: `completed`, `tool_error`, `failed`, `cancelled`, `handed_back` |
//! | `mcp_tasks_reclaimed_total` | counter | |
//! | `mcp_tasks_retried_total` | counter | |
//!
//! Label names follow the OpenTelemetry semantic conventions for MCP and
//! HTTP, with dots as underscores. Cardinality is bounded: methods outside
//! the specification count as `other`, and a tool name is that of a
//! registered tool (unknown tools never reach the hook).
//!
//! ```
//! use quickmcp_axum::McpRouter;
//! use quickmcp_axum::metrics::Metrics;
//! use quickmcp::Server;
//!
//! let metrics = Metrics::new();
//! let server = Server::builder("demo", "1.0.0").middleware(metrics.middleware()).build();
//! // `/metrics` beside the endpoint (or serve `metrics.router()` on a private listener):
//! let app: axum::Router = McpRouter::new(server).metrics(metrics).into_router();
//! ```

mod http;
mod mcp;
mod tasks;

pub use mcp::McpMetrics;

pub(crate) use http::HttpMetricsLayer;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use quickmcp::server::WeakServer;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    http_request_method: &'static str,
    http_response_status_code: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Reason {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct McpLabels {
    pub(crate) mcp_method_name: &'static str,
    pub(crate) gen_ai_tool_name: &'static str,
    pub(crate) outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct McpTiming {
    mcp_method_name: &'static str,
    gen_ai_tool_name: &'static str,
}

/// The metrics of one endpoint and its server. Cheap to clone; clones
/// share their values.
#[derive(Clone)]
pub struct Metrics {
    shared: Arc<Shared>,
}

struct Shared {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    in_flight: Gauge,
    rejections: Family<Reason, Counter>,
    sse_open: Gauge,
    sessions_active: Gauge,
    mcp_requests: Family<McpLabels, Counter>,
    mcp_duration: Family<McpTiming, Histogram, fn() -> Histogram>,
    tasks: tasks::TaskMetrics,
    /// The sessions counted at scrape time (set by the router).
    server: Mutex<Option<WeakServer>>,
    /// Tool names as labels, each kept once (tools are few and registered).
    tool_names: Mutex<HashSet<&'static str>>,
    /// The HTTP counters by method and status, found without hashing.
    http_handles: Box<[OnceLock<Counter>]>,
    /// The MCP counter and histogram of each (method, tool, outcome), keyed
    /// by the addresses of those `'static` labels.
    mcp_handles: RwLock<McpHandles>,
}

/// See `Shared::mcp_handles`.
type McpHandles = HashMap<[usize; 3], (Counter, Histogram), BuildHasherDefault<AddressHasher>>;

/// Hashes label addresses: they are unique per label and never chosen by a
/// client.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*byte)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// HTTP methods with a slot of their own in the handle cache.
const METHODS: usize = 6;
/// Statuses 100 to 599.
const STATUSES: usize = 500;

fn duration_histogram() -> Histogram {
    // 0.5 ms to about 16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// A fresh set of metrics, all at zero.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register("mcp_http_requests", "HTTP requests to the MCP endpoint", http_requests.clone());
        let in_flight = Gauge::default();
        registry.register("mcp_http_requests_in_flight", "HTTP requests being answered", in_flight.clone());
        let rejections = Family::<Reason, Counter>::default();
        registry.register("mcp_http_rejections", "Requests refused by the transport, by reason", rejections.clone());
        let sse_open = Gauge::default();
        registry.register("mcp_sse_streams_open", "SSE answers and GET streams open", sse_open.clone());
        let sessions_active = Gauge::default();
        registry.register("mcp_sessions_active", "Sessions held by the session store", sessions_active.clone());
        let mcp_requests = Family::<McpLabels, Counter>::default();
        registry.register("mcp_requests", "MCP requests by method and outcome", mcp_requests.clone());
        let mcp_duration = Family::<McpTiming, Histogram, fn() -> Histogram>::new_with_constructor(duration_histogram);
        registry.register("mcp_request_duration_seconds", "Time to answer MCP requests", mcp_duration.clone());
        let shared = Shared {
            registry,
            http_requests,
            in_flight,
            rejections,
            sse_open,
            sessions_active,
            mcp_requests,
            mcp_duration,
            tasks: tasks::TaskMetrics::new(),
            server: Mutex::new(None),
            tool_names: Mutex::default(),
            http_handles: (0..METHODS * STATUSES).map(|_| OnceLock::new()).collect(),
            mcp_handles: RwLock::default(),
        };
        Self { shared: Arc::new(shared) }
    }

    /// The middleware that counts and times MCP requests; install it on
    /// the server (`Server::builder(..).middleware(metrics.middleware())`).
    pub fn middleware(&self) -> McpMetrics {
        McpMetrics { metrics: self.clone() }
    }

    /// The metrics in the Prometheus text format (version 0.0.4).
    pub async fn render(&self) -> String {
        let server =
            self.shared.server.lock().unwrap_or_else(|p| p.into_inner()).as_ref().and_then(WeakServer::upgrade);
        if let Some(server) = &server
            && let Ok(count) = server.session_count().await
        {
            self.shared.sessions_active.set(i64::try_from(count).unwrap_or(i64::MAX));
        }
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.shared.registry).is_err() {
            text.clear();
        }
        if let Some(server) = &server
            && let Some(stats) = server.task_stats().await
        {
            self.shared.tasks.encode(&stats, &mut text);
        }
        prometheus_text(&text)
    }

    /// A router answering `GET /metrics` (with the security headers of
    /// every answer), to serve on a listener of its own
    /// (`MCP_METRICS_ADDR`) so the metrics need not be public.
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let metrics = self.clone();
        let routes = Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let metrics = metrics.clone();
                async move {
                    let text = metrics.render().await;
                    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
                }
            }),
        );
        routes.layer(crate::layers::security_headers_layer())
    }

    /// `name` as a label value that lives as long as the process: each
    /// tool name is stored once.
    pub(crate) fn tool_label(&self, name: &str) -> &'static str {
        let mut names = self.shared.tool_names.lock().unwrap_or_else(|p| p.into_inner());
        match names.get(name) {
            Some(known) => known,
            None => {
                let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
                names.insert(leaked);
                leaked
            }
        }
    }

    /// Counts one HTTP answer (`method_slot` from `http::method_label`).
    pub(crate) fn count_http(&self, method: &'static str, method_slot: usize, status: u16) {
        let shared = &self.shared;
        let labels = || HttpLabels { http_request_method: method, http_response_status_code: status };
        match usize::from(status).checked_sub(100).filter(|s| *s < STATUSES) {
            Some(status_slot) => {
                let slot = &shared.http_handles[method_slot * STATUSES + status_slot];
                slot.get_or_init(|| shared.http_requests.get_or_create(&labels()).clone()).inc();
            }
            None => {
                shared.http_requests.get_or_create(&labels()).inc();
            }
        }
    }

    /// Counts one MCP request and times it.
    pub(crate) fn count_mcp(&self, labels: McpLabels, seconds: f64) {
        let shared = &self.shared;
        let key = [
            labels.mcp_method_name.as_ptr() as usize,
            labels.gen_ai_tool_name.as_ptr() as usize,
            labels.outcome.as_ptr() as usize,
        ];
        if let Some((counter, histogram)) = shared.mcp_handles.read().unwrap_or_else(|p| p.into_inner()).get(&key) {
            counter.inc();
            histogram.observe(seconds);
            return;
        }
        let counter = shared.mcp_requests.get_or_create(&labels).clone();
        let timing = McpTiming { mcp_method_name: labels.mcp_method_name, gen_ai_tool_name: labels.gen_ai_tool_name };
        let histogram = shared.mcp_duration.get_or_create(&timing).clone();
        counter.inc();
        histogram.observe(seconds);
        shared.mcp_handles.write().unwrap_or_else(|p| p.into_inner()).insert(key, (counter, histogram));
    }

    /// Counts the sessions and tasks of `server` at each scrape (without
    /// keeping it alive: the server holds this registry through its
    /// middleware).
    pub(crate) fn watch_server(&self, server: WeakServer) {
        *self.shared.server.lock().unwrap_or_else(|p| p.into_inner()) = Some(server);
    }
}

/// OpenMetrics text (what the encoder writes) as the Prometheus text format
/// that every scraper and `promtool` read: a counter's `HELP` and `TYPE`
/// name its `_total` series, and there is no `# EOF` marker.
fn prometheus_text(openmetrics: &str) -> String {
    let counters: HashSet<&str> =
        openmetrics.lines().filter_map(|line| line.strip_prefix("# TYPE ")?.strip_suffix(" counter")).collect();
    let mut text = String::with_capacity(openmetrics.len() + 64);
    for line in openmetrics.lines().filter(|line| *line != "# EOF") {
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ')?;
            counters.contains(name).then(|| format!("{prefix}{name}_total {tail}"))
        });
        text.push_str(renamed.as_deref().unwrap_or(line));
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_named_by_their_total_series() {
        let openmetrics =
            "# HELP a Things.\n# TYPE a counter\na_total 1\n# HELP g Level.\n# TYPE g gauge\ng 2\n# EOF\n";
        assert_eq!(
            prometheus_text(openmetrics),
            "# HELP a_total Things.\n# TYPE a_total counter\na_total 1\n# HELP g Level.\n# TYPE g gauge\ng 2\n"
        );
    }
}
