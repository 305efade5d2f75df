use quickmcp::tool;

#[tool]
async fn repeat(text: String, #[arg(default = "three")] times: usize) -> String {
    text.repeat(times)
}

fn main() {}
