use quickmcp::{resource, tool};

#[tool(nmae = "x", annotations(read_onyl), colour = "red")]
async fn first() {}

#[resource("docs://readme", mim = "text/plain")]
fn readme() -> &'static str {
    ""
}

#[tool]
async fn third(#[arg(descripton = "typo")] city: String) -> String {
    city
}

/// Registering the tools still compiles: the only errors are the options.
fn main() {
    let _ = quickmcp::tools![first, third];
    let _ = quickmcp::resources![readme];
}
