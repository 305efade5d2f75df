use quickmcp::resource;

#[resource("weather://forecast/{city")]
async fn forecast(city: String) -> String {
    city
}

#[resource("search://{?q}/tail")]
async fn search(q: String) -> String {
    q
}

fn main() {}
