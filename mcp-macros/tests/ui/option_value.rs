use quickmcp::{resource, tool};

#[tool(name = 5, title = "A", title = "B", annotations(read_only = "yes"), scopes = "admin")]
async fn first() {}

#[resource("docs://readme", size = "big", annotations(audience("robot"), priority = 2))]
fn readme() -> &'static str {
    ""
}

#[tool(name = "has space")]
async fn second() {}

fn main() {}
