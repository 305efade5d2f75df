use quickmcp::tool;

#[tool(name = )]
async fn first() {}

#[tool(title = "x" description = "y")]
async fn second() {}

fn main() {
    let _ = quickmcp::tools![first, second];
}
