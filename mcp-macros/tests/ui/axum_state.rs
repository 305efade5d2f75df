use quickmcp::tool;

#[derive(Clone)]
struct Inventory;

/// axum's `State` is for REST handlers; a tool takes `quickmcp::State`.
#[tool]
async fn count(inventory: axum::extract::State<Inventory>) -> String {
    let _ = inventory;
    "0".into()
}

fn main() {}
