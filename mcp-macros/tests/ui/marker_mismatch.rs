use quickmcp::{Context, prompt, tool};

/// `#[ctx]` on a JSON argument, `#[arg]` on an extractor.
#[tool]
async fn lookup(#[ctx] city: String, #[arg] ctx: Context) -> String {
    let _ = ctx;
    city
}

#[tool]
async fn mirrored(#[arg(header = "Bad Header")] region: String) -> String {
    region
}

#[prompt]
async fn summary(#[arg(header = "Topic")] topic: String) -> String {
    topic
}

fn main() {}
