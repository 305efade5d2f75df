use quickmcp::tool;

#[tool(retries = 2, asks_first)]
async fn not_a_task() {}

#[tool(task = "sometimes")]
async fn unknown_support() {}

#[tool(task(required))]
async fn wrong_shape() {}

#[tool(task, retries = "many")]
async fn retries_not_a_number() {}

fn main() {}
