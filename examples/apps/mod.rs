//! MCP Apps (SEP-1865): `get_weather` returns the week ahead, and hosts
//! that show apps draw it as a chart with the page `ui://weather/forecast`
//! (`forecast.html`, one self-contained file: nothing is loaded from the
//! network). The page calls `list_cities`, a tool only it may call, for
//! its city picker, and `get_weather` again when a city is picked.
//!
//! The figures are deterministic DEMO DATA derived from the city name.

use axum::Router;
use quickmcp::apps::App;
use quickmcp::middleware::Spans;
use quickmcp::prelude::*;
use quickmcp::schemars::{self, JsonSchema};
use quickmcp::server::ServerBuilder;
use quickmcp_axum::metrics::Metrics;
use serde::Serialize;

/// Where the forecast page is served.
pub const PAGE: &str = "ui://weather/forecast";

/// Cities the demo knows.
pub const CITIES: &[&str] = &["Amsterdam", "Berlin", "Lisbon", "London", "Madrid", "Paris", "Prague", "Tokyo"];

const CONDITIONS: &[&str] = &["sunny", "partly cloudy", "cloudy", "light rain", "windy"];
const WEEKDAYS: &[&str] = &["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Seven days of weather for one city.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Week {
    /// The city.
    pub city: String,
    /// Always `celsius`.
    pub units: String,
    /// Today and the six days after it.
    pub days: Vec<Day>,
    /// Always true: this is demo data.
    pub demo_data: bool,
}

/// One day of the week.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Day {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `Mon` … `Sun`.
    pub weekday: String,
    /// High, °C.
    pub high: f64,
    /// Low, °C.
    pub low: f64,
    /// Short description.
    pub conditions: String,
}

/// The cities the page offers.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Cities {
    /// Their names.
    pub cities: Vec<String>,
}

/// The week ahead for a city (demo data); hosts that show apps draw it as
/// a chart.
#[tool(ui = "ui://weather/forecast", title = "Weather for the week", annotations(read_only, idempotent))]
async fn get_weather(
    /// City name, e.g. "Paris".
    city: String,
) -> Result<Json<Week>, ToolError> {
    week_for(&city, today())
        .map(Json)
        .ok_or_else(|| ToolError::new(format!("unknown city {city:?}; known cities: {}", CITIES.join(", "))))
}

/// The cities the forecast page offers in its picker (only the page calls
/// this: the model has `get_weather`).
#[tool(ui(resource = "ui://weather/forecast", visibility("app")), annotations(read_only, idempotent))]
async fn list_cities() -> Json<Cities> {
    Json(Cities { cities: CITIES.iter().map(|c| (*c).to_owned()).collect() })
}

/// The page: `forecast.html`, one self-contained file built from `ui/`
/// (`node examples/apps/ui/build.mjs` after editing its sources).
pub fn page() -> App {
    App::html(PAGE, include_str!("forecast.html"))
        .name("forecast")
        .title("Forecast chart")
        .description("The week ahead as a bar chart; pick another city to redraw it.")
        .prefers_border(true)
}

/// The server before it is built.
pub fn builder() -> ServerBuilder {
    Server::builder("weather-app", env!("CARGO_PKG_VERSION"))
        .title("Weather with a forecast chart (demo data)")
        .instructions("get_weather returns the week ahead for a city; hosts that show MCP Apps draw it as a chart.")
        .tools(tools![get_weather, list_cities])
        .app(page())
}

/// The MCP endpoint configured by `config`, with spans and Prometheus
/// metrics (`/metrics`).
pub fn mcp(config: quickmcp_axum::McpConfig) -> quickmcp_axum::McpRouter {
    let metrics = Metrics::new();
    let server = builder().middleware(Spans).middleware(metrics.middleware()).build();
    quickmcp_axum::McpRouter::new(server).config(config).metrics(metrics)
}

/// The whole application: the MCP endpoint, `/health`, `/ready` and `/metrics`.
pub fn app(config: quickmcp_axum::McpConfig) -> Router {
    mcp(config).into_router()
}

/// The week from `today` (days since 1970-01-01) for `city`, or `None`
/// for a city the demo does not know.
pub fn week_for(city: &str, today: u64) -> Option<Week> {
    let city = CITIES.iter().copied().find(|c| c.eq_ignore_ascii_case(city.trim()))?;
    let seed = city.bytes().fold(17u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let days = (0..7u32)
        .map(|i| {
            let mix = seed.wrapping_mul(2_654_435_761).wrapping_add(i.wrapping_mul(40_503)) >> 7;
            let high = 4.0 + f64::from(mix % 220) / 10.0;
            let low = high - 3.0 - f64::from((mix >> 9) % 60) / 10.0;
            let day = today + u64::from(i);
            Day {
                date: date(day),
                // 1970-01-01 was a Thursday.
                weekday: WEEKDAYS[((day + 3) % 7) as usize].to_owned(),
                high,
                low,
                conditions: CONDITIONS[((mix >> 5) as usize) % CONDITIONS.len()].to_owned(),
            }
        })
        .collect();
    Some(Week { city: city.to_owned(), units: "celsius".into(), days, demo_data: true })
}

fn today() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() / 86_400)
}

/// `YYYY-MM-DD` of a day counted from 1970-01-01 (proleptic Gregorian).
fn date(days: u64) -> String {
    // Howard Hinnant's civil-from-days, for days after the epoch.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_weekdays_follow_the_calendar() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(20_429), "2025-12-07");
        let week = week_for("paris", 20_429).unwrap();
        assert_eq!(week.days[0].weekday, "Sun");
        assert_eq!(week.days[1].date, "2025-12-08");
        assert!(week.days.iter().all(|d| d.low < d.high));
        assert!(week_for("Atlantis", 0).is_none());
    }
}
