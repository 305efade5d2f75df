//! OpenTelemetry export of the framework's spans over OTLP/HTTP (feature
//! `otel`).
//!
//! [`OtlpTracing`] owns a tracer provider with a batching OTLP exporter and
//! hands out the `tracing` layer that feeds it. The `http.request` span of
//! every endpoint request and, with the [`Spans`](quickmcp::middleware::Spans)
//! middleware, the `mcp.request` span inside it are exported, together with
//! your own spans at `info` and above. Each joins the caller's trace when
//! the request carries W3C trace context: the `traceparent` header for the
//! HTTP span, `_meta.traceparent` for the MCP span.
//!
//! ```no_run
//! use tracing_subscriber::prelude::*;
//!
//! let otel = quickmcp_axum::otel::OtlpTracing::from_env("weather").expect("OTLP exporter");
//! tracing_subscriber::registry()
//!     .with(tracing_subscriber::fmt::layer().with_filter(tracing_subscriber::filter::LevelFilter::INFO))
//!     .with(otel.layer())
//!     .init();
//! // ... serve; dropping `otel` at the end flushes what is still buffered.
//! ```
//!
//! Give each layer its own filter, as above: a global filter at `info`
//! would turn the DEBUG-level MCP spans off for the exporter too.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use std::fmt;
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetryLayer;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{Filtered, LevelFilter, Targets};
use tracing_subscriber::registry::LookupSpan;

/// Spans exported over OTLP/HTTP (protobuf) by a batching exporter; see
/// the module docs. Dropping it flushes and stops the exporter.
pub struct OtlpTracing {
    provider: SdkTracerProvider,
}

impl OtlpTracing {
    /// An exporter configured by the standard OpenTelemetry variables:
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` (default `http://localhost:4318`,
    /// `/v1/traces` appended) or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used
    /// as is), `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TIMEOUT`,
    /// and for the resource `OTEL_SERVICE_NAME` (else `service_name`) and
    /// `OTEL_RESOURCE_ATTRIBUTES`.
    pub fn from_env(service_name: &str) -> Result<Self, OtelError> {
        let exporter = SpanExporter::builder().with_http().build().map_err(OtelError::new)?;
        Ok(Self::with_exporter(service_name, exporter))
    }

    /// An exporter that posts to `traces_url`, the full URL of the
    /// collector's traces path (`http://collector:4318/v1/traces`).
    pub fn with_endpoint(service_name: &str, traces_url: &str) -> Result<Self, OtelError> {
        let exporter = SpanExporter::builder().with_http().with_endpoint(traces_url).build().map_err(OtelError::new)?;
        Ok(Self::with_exporter(service_name, exporter))
    }

    fn with_exporter(service_name: &str, exporter: SpanExporter) -> Self {
        let mut resource = Resource::builder();
        if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
            resource = resource.with_service_name(service_name.to_owned());
        }
        let provider =
            SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource.build()).build();
        Self { provider }
    }

    /// The `tracing` layer that records spans for the exporter: the
    /// framework's (`mcp::spans` at DEBUG) and every other span at `info`
    /// and above.
    pub fn layer<S>(&self) -> Filtered<OpenTelemetryLayer<S, SdkTracer>, Targets, S>
    where
        S: Subscriber + for<'span> LookupSpan<'span>,
    {
        let exported = Targets::new().with_target("mcp::spans", LevelFilter::DEBUG).with_default(LevelFilter::INFO);
        tracing_opentelemetry::layer().with_tracer(self.provider.tracer("mcp")).with_filter(exported)
    }

    /// Exports every finished span still buffered, waiting for the
    /// collector's answer.
    pub fn flush(&self) -> Result<(), OtelError> {
        self.provider.force_flush().map_err(OtelError::new)
    }
}

impl Drop for OtlpTracing {
    fn drop(&mut self) {
        if let Err(error) = self.provider.shutdown() {
            eprintln!("OpenTelemetry exporter shutdown: {error}");
        }
    }
}

impl fmt::Debug for OtlpTracing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpTracing").finish_non_exhaustive()
    }
}

/// The OTLP exporter could not be built or did not flush.
#[derive(Debug)]
pub struct OtelError(String);

impl OtelError {
    fn new(cause: impl fmt::Display) -> Self {
        Self(cause.to_string())
    }
}

impl fmt::Display for OtelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OpenTelemetry OTLP exporter: {}", self.0)
    }
}

impl std::error::Error for OtelError {}
