use quickmcp::{resource, tool};

#[resource("weather://forecast/{city}")]
async fn forecast(city: String, #[arg] days: u32, #[arg(default = 3)] hours: u32) -> String {
    format!("{city} {days} {hours}")
}

#[tool]
async fn both(#[arg] #[ctx] value: String) -> String {
    value
}

fn main() {}
