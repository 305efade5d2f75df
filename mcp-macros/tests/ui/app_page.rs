use quickmcp::prelude::*;

/// A page that is not a `ui://` URI.
#[tool(ui = "https://example.com/page")]
async fn web_page() -> String {
    String::new()
}

/// Visibility names only the model and the app.
#[tool(ui(resource = "ui://dash/main", visibility("app", "everyone")))]
async fn refresh() -> String {
    String::new()
}

/// `ui` is a URI or a list.
#[tool(ui)]
async fn bare() -> String {
    String::new()
}

/// An unknown option inside `ui(..)`.
#[tool(ui(resource = "ui://dash/main", visible("app")))]
async fn misspelt() -> String {
    String::new()
}

fn main() {}
