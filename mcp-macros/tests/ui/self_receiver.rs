use quickmcp::tool;

struct Weather;

impl Weather {
    #[tool]
    async fn current(&self, city: String) -> String {
        city
    }
}

fn main() {}
