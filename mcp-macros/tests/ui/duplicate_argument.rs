use quickmcp::tool;

#[tool]
async fn search(
    #[arg(rename = "q")] query: String,
    #[arg(rename = "q")] filter: Option<String>,
) -> String {
    format!("{query} {filter:?}")
}

fn main() {}
