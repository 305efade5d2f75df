//! Deterministic DEMO DATA: every figure is derived from the city name, so
//! the same question always gets the same answer. No weather service is
//! called.

use quickmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};

/// Cities the demo knows.
pub const CITIES: &[&str] = &["Amsterdam", "Berlin", "Lisbon", "London", "Madrid", "Paris", "Prague", "Tokyo"];

/// Unit system of temperatures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Units {
    /// Celsius.
    #[default]
    Metric,
    /// Fahrenheit.
    Imperial,
}

/// Current conditions.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Weather {
    /// The city.
    pub city: String,
    /// Temperature in the requested units.
    pub temperature: f64,
    /// `metric` or `imperial`.
    pub units: Units,
    /// Short description.
    pub conditions: String,
    /// Relative humidity, percent.
    pub humidity: u8,
    /// Always true: this is demo data.
    pub demo_data: bool,
}

/// One day of a forecast.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Day {
    /// Day offset from today (1 = tomorrow).
    pub day: u8,
    /// High, °C.
    pub high_c: f64,
    /// Low, °C.
    pub low_c: f64,
    /// Short description.
    pub conditions: String,
}

/// A five-day forecast.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Forecast {
    /// The city.
    pub city: String,
    /// Five days.
    pub days: Vec<Day>,
    /// Always true: this is demo data.
    pub demo_data: bool,
}

/// Text statistics.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TextStats {
    /// Words.
    pub words: usize,
    /// Sentences (ending in `.`, `!` or `?`).
    pub sentences: usize,
    /// Characters.
    pub characters: usize,
}

const CONDITIONS: &[&str] = &["sunny", "partly cloudy", "cloudy", "light rain", "windy"];

fn canonical(city: &str) -> Option<&'static str> {
    CITIES.iter().copied().find(|c| c.eq_ignore_ascii_case(city.trim()))
}

fn seed(city: &str, salt: u32) -> u32 {
    city.bytes().fold(salt.wrapping_mul(2_654_435_761), |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
}

/// Current demo weather for `city`, or `None` for an unknown city.
pub fn weather_for(city: &str, units: Units) -> Option<Weather> {
    let city = canonical(city)?;
    let s = seed(city, 0);
    let celsius = f64::from(s % 30) - 2.0;
    let temperature = match units {
        Units::Metric => celsius,
        Units::Imperial => celsius * 9.0 / 5.0 + 32.0,
    };
    Some(Weather {
        city: city.to_owned(),
        temperature,
        units,
        conditions: CONDITIONS[(s as usize / 7) % CONDITIONS.len()].to_owned(),
        humidity: u8::try_from(40 + s % 50).unwrap_or(50),
        demo_data: true,
    })
}

/// Five-day demo forecast for `city`.
pub fn forecast_for(city: &str) -> Option<Forecast> {
    let city = canonical(city)?;
    let days = (1..=5u8)
        .map(|day| {
            let s = seed(city, u32::from(day));
            let high = f64::from(s % 25) + 5.0;
            Day {
                day,
                high_c: high,
                low_c: high - f64::from(s % 8) - 2.0,
                conditions: CONDITIONS[(s as usize / 3) % CONDITIONS.len()].to_owned(),
            }
        })
        .collect();
    Some(Forecast { city: city.to_owned(), days, demo_data: true })
}

/// Counts words, sentences and characters.
pub fn text_stats(text: &str) -> TextStats {
    TextStats {
        words: text.split_whitespace().count(),
        sentences: text.split(['.', '!', '?']).filter(|s| !s.trim().is_empty()).count(),
        characters: text.chars().count(),
    }
}
