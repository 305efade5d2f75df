// Prompt arguments arrive as text: a parameter must implement `FromStr`
// (or be an `Option` of such a type) or be an extractor.
use quickmcp::prompt;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Filter {
    tag: String,
}

/// Lists notes.
#[prompt]
async fn list_notes(tags: Vec<String>, filter: Filter) -> String {
    format!("{} {}", tags.len(), filter.tag)
}

fn main() {}
