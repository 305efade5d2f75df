use quickmcp::{prompt, resource};

async fn cities(_prefix: String) -> Vec<String> {
    Vec::new()
}

#[resource("weather://forecast/{city}", complete(town = cities))]
async fn forecast(city: String) -> String {
    city
}

#[resource("weather://today", complete(city = cities))]
async fn today() -> String {
    String::new()
}

#[prompt(complete(town = cities))]
async fn plan_trip(city: String) -> String {
    city
}

fn main() {}
