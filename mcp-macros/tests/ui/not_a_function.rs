use quickmcp::tool;

#[tool]
struct Weather {
    city: String,
}

fn main() {}
