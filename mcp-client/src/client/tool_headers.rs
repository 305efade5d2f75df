//! The tools the client has seen listed, by name: the arguments each
//! mirrors in `Mcp-Param-*` headers (2026-07-28), or why it was rejected.

use super::Client;
use crate::error::ClientError;
use crate::param_headers::{self, Mirrored};
use quickmcp::middleware::Era;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Tools remembered at most; past it the memory starts over.
const MAX_TOOLS: usize = 10_000;

/// Each listed tool's mirrored arguments, or why it was rejected.
#[derive(Debug, Default)]
pub(super) struct ToolHeaders(Mutex<HashMap<String, Result<Arc<Mirrored>, String>>>);

impl Client {
    /// Keeps the tools of a `tools/list` page whose `x-mcp-header`
    /// annotations are valid, remembering what each mirrors; the others are
    /// left out (and logged), as the 2026-07-28 revision requires.
    pub(super) fn keep_valid_tools(&self, tools: Vec<Value>) -> Vec<Value> {
        if self.era() != Era::Stateless {
            return tools;
        }
        let mut known = self.inner.tool_headers.0.lock().unwrap_or_else(|p| p.into_inner());
        if known.len() > MAX_TOOLS {
            known.clear();
        }
        let mut kept = Vec::with_capacity(tools.len());
        for tool in tools {
            let name = tool.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
            let scanned = param_headers::scan(tool.get("inputSchema").unwrap_or(&Value::Null));
            match &scanned {
                Ok(_) => kept.push(tool),
                Err(why) => tracing::warn!(tool = %name, %why, "a tool with an invalid x-mcp-header is left out"),
            }
            known.insert(name, scanned.map(Arc::new));
        }
        kept
    }

    /// Whether a `tools/list` showed tool `name`.
    pub(super) fn knows_tool(&self, name: &str) -> bool {
        self.inner.tool_headers.0.lock().unwrap_or_else(|p| p.into_inner()).contains_key(name)
    }

    /// The `Mcp-Param-*` headers of a call to `name` with `arguments`
    /// (none for a tool never listed); a rejected tool is not called.
    pub(super) fn param_headers(&self, name: &str, arguments: &Value) -> Result<Vec<(String, String)>, ClientError> {
        let known = self.inner.tool_headers.0.lock().unwrap_or_else(|p| p.into_inner());
        match known.get(name) {
            None => Ok(Vec::new()),
            Some(Ok(mirrored)) => Ok(param_headers::headers(mirrored, arguments)),
            Some(Err(why)) => Err(ClientError::Protocol(format!("tool `{name}` was rejected: {why}"))),
        }
    }
}
