//! The edge mode: no sessions, JSON answers only, nothing kept between
//! requests. Every request carries all it needs, so any instance (a
//! serverless function, a replica behind any balancer) can answer it, and
//! an instance can be started or stopped at any time. Both protocol eras
//! work: the 2026-07-28 stateless era natively, the 2025-11-25 era without
//! `Mcp-Session-Id` (no GET stream, no DELETE). `main.rs` serves it:
//! `cargo run --example stateless`.

use quickmcp::prelude::*;

/// Turns text into a URL slug: lowercase ASCII letters and digits joined by
/// single dashes.
#[tool(annotations(read_only, idempotent))]
async fn slugify(text: String) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// The `http` and `https` links in a text, in order, without repeats.
#[tool(annotations(read_only, idempotent))]
async fn extract_links(text: String) -> Json<Vec<String>> {
    let mut links: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        let word = word.trim_matches(|c: char| matches!(c, '(' | ')' | '<' | '>' | '"' | '\'' | ',' | '.' | ';'));
        if (word.starts_with("http://") || word.starts_with("https://")) && !links.iter().any(|l| l == word) {
            links.push(word.to_owned());
        }
    }
    Json(links)
}

/// The value at a JSON Pointer (RFC 6901, such as `/items/0/name`) in a
/// JSON document.
#[tool(annotations(read_only, idempotent))]
async fn json_pointer(
    /// The document, as JSON text.
    document: String,
    /// The pointer: empty for the whole document, else `/`-separated keys.
    pointer: String,
) -> Result<Json<serde_json::Value>, ToolError> {
    let document: serde_json::Value =
        serde_json::from_str(&document).map_err(|e| format!("the document is not JSON: {e}"))?;
    let found = document.pointer(&pointer).ok_or_else(|| format!("nothing at {pointer:?}"))?;
    Ok(Json(found.clone()))
}

/// The MCP server: pure functions of their arguments.
pub fn server() -> Server {
    Server::builder("edge-tools", env!("CARGO_PKG_VERSION"))
        .instructions("Stateless text and JSON utilities; every call stands alone.")
        .tools(tools![slugify, extract_links, json_pointer])
        .build()
}

/// The app: the MCP endpoint in stateless mode whatever `MCP_STATELESS` says.
pub fn app(mut config: quickmcp_axum::McpConfig) -> axum::Router {
    config.stateless = true;
    quickmcp_axum::McpRouter::new(server()).config(config).into_router()
}
