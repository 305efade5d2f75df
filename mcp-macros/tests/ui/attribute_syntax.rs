use mcp_core::tool;

#[tool(name = )]
async fn first() {}

#[tool(title = "x" description = "y")]
async fn second() {}

fn main() {
    let _ = mcp_core::tools![first, second];
}
