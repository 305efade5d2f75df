use quickmcp::{prelude::*, handler::ExtractError, handler::Extractor};

/// Both a JSON argument and an extractor: the parameter must say which.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Locale(String);

impl Extractor for Locale {
    fn extract(_: &Context) -> Result<Self, ExtractError> {
        Ok(Locale("en".into()))
    }
}

#[tool]
async fn greet(locale: Locale) -> String {
    locale.0
}

#[tool]
async fn greet_marked(#[ctx] locale: Locale, #[arg] other: Locale) -> String {
    locale.0 + &other.0
}

fn main() {}
