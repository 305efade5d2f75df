//! The main demo: a weather MCP server mounted inside an ordinary axum app.
//! `main.rs` serves it: `cargo run --example weather`.
//!
//! All data is deterministic DEMO DATA computed from the city name; no
//! weather service is called.

mod data;

use axum::Router;
use axum::routing::get;
use data::{CITIES, Forecast, Units, Weather, forecast_for, weather_for};
use quickmcp::middleware::Spans;
use quickmcp::prelude::*;
use quickmcp::protocol::PromptMessage;
use quickmcp::server::ServerBuilder;
use quickmcp_axum::metrics::Metrics;

/// Current weather for a city (demo data).
#[tool(annotations(read_only, idempotent))]
async fn get_weather(
    /// City name, e.g. "Paris".
    city: String,
    /// Unit system for temperatures; metric when omitted.
    units: Option<Units>,
) -> Result<Json<Weather>, ToolError> {
    weather_for(&city, units.unwrap_or_default())
        .map(Json)
        .ok_or_else(|| ToolError::new(format!("unknown city {city:?}; try one of /api/cities")))
}

/// Converts a temperature between Celsius and Fahrenheit.
#[tool(annotations(read_only, idempotent))]
async fn convert_units(
    /// The temperature to convert.
    value: f64,
    /// Unit of `value`: "celsius" or "fahrenheit".
    from: String,
    /// Unit to convert to: "celsius" or "fahrenheit".
    to: String,
) -> Result<String, ToolError> {
    let celsius = match from.to_ascii_lowercase().as_str() {
        "celsius" | "c" => value,
        "fahrenheit" | "f" => (value - 32.0) * 5.0 / 9.0,
        other => return Err(ToolError::new(format!("unknown unit {other:?}"))),
    };
    let converted = match to.to_ascii_lowercase().as_str() {
        "celsius" | "c" => celsius,
        "fahrenheit" | "f" => celsius * 9.0 / 5.0 + 32.0,
        other => return Err(ToolError::new(format!("unknown unit {other:?}"))),
    };
    Ok(format!("{value} {from} = {converted:.1} {to}"))
}

/// Word, sentence and character counts of a text.
#[tool(annotations(read_only))]
async fn analyze_text(
    /// The text to analyse.
    text: String,
    ctx: Context,
) -> Json<data::TextStats> {
    ctx.debug("analysing text").await;
    Json(data::text_stats(&text))
}

/// Whether the server is up, with its version.
#[tool(annotations(read_only))]
async fn health_check() -> String {
    format!("ok: weather demo {}", env!("CARGO_PKG_VERSION"))
}

/// Five-day forecast for a city, as JSON (demo data).
#[resource("weather://forecast/{city}", mime = "application/json", complete(city = suggest_cities))]
async fn forecast(city: String) -> Result<Json<Forecast>, ResourceError> {
    forecast_for(&city).map(Json).ok_or_else(|| ResourceError::not_found(&format!("weather://forecast/{city}")))
}

/// Cities with demo data.
#[resource("weather://cities", mime = "application/json")]
async fn cities() -> Json<&'static [&'static str]> {
    Json(CITIES)
}

/// Cities starting with what the user typed (case-insensitive).
async fn suggest_cities(prefix: String) -> Vec<String> {
    let prefix = prefix.to_lowercase();
    CITIES.iter().filter(|c| c.to_lowercase().starts_with(&prefix)).map(|c| (*c).to_owned()).collect()
}

/// Asks the assistant to plan a trip around the weather.
#[prompt(complete(city = suggest_cities))]
async fn plan_trip(
    /// Destination city.
    city: String,
    /// Number of days, e.g. "3".
    days: Option<String>,
) -> Vec<PromptMessage> {
    let days = days.unwrap_or_else(|| "3".into());
    vec![PromptMessage::user(format!(
        "Plan a {days}-day trip to {city}. Read weather://forecast/{city} first and suggest indoor options on rainy days."
    ))]
}

/// The REST route that lives next to the MCP endpoint. `Json` here is
/// quickmcp's; axum's is named by its path (see docs/getting-started.md).
async fn list_cities() -> axum::Json<&'static [&'static str]> {
    axum::Json(CITIES)
}

/// The MCP server of this example.
pub fn server() -> Server {
    builder().build()
}

/// The server before it is built, for a caller that adds middleware.
pub fn builder() -> ServerBuilder {
    Server::builder("weather", env!("CARGO_PKG_VERSION"))
        .title("Weather (demo data)")
        .instructions("Weather tools over deterministic demo data. Use get_weather for current conditions and weather://forecast/{city} for five days.")
        .tools(tools![get_weather, convert_units, analyze_text, health_check])
        .resources(resources![forecast, cities])
        .prompts(prompts![plan_trip])
}

/// The REST routes of this example.
pub fn rest() -> Router {
    Router::new().route("/api/cities", get(list_cities))
}

/// The MCP endpoint configured by `config`, with spans and Prometheus
/// metrics (`/metrics` beside it, or on `MCP_METRICS_ADDR` when
/// [`McpRouter::run`](quickmcp_axum::McpRouter::run) serves it).
pub fn mcp(config: quickmcp_axum::McpConfig) -> quickmcp_axum::McpRouter {
    let metrics = Metrics::new();
    let server = builder().middleware(Spans).middleware(metrics.middleware()).build();
    quickmcp_axum::McpRouter::new(server).config(config).metrics(metrics)
}

/// The whole application on one router: REST routes, the MCP endpoint, the
/// `/health` and `/ready` probes and `/metrics`.
pub fn app(config: quickmcp_axum::McpConfig) -> Router {
    rest().merge(mcp(config).into_router())
}
