use quickmcp::tool;

/// Neither `Deserialize + JsonSchema` nor an extractor.
struct Point {
    x: f64,
}

#[tool]
async fn distance(from: Point, to: Vec<Point>) -> String {
    format!("{} {}", from.x, to.len())
}

fn main() {}
