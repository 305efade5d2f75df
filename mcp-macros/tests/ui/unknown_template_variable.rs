use quickmcp::resource;

/// `{city}` has no parameter: the function names it `town`.
#[resource("weather://forecast/{city}/{days}")]
async fn forecast(town: String, days: u32) -> String {
    format!("{town}: {days}")
}

fn main() {}
