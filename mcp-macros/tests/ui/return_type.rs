use quickmcp::{prompt, tool};

#[tool]
async fn count() -> u32 {
    3
}

#[prompt]
fn greeting() -> Vec<String> {
    vec![]
}

fn main() {}
