use quickmcp::tool;
use std::rc::Rc;

async fn pause() {}

#[tool]
async fn counter() -> String {
    let shared = Rc::new(1);
    pause().await;
    shared.to_string()
}

fn main() {}
