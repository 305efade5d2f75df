//! A tool as `tools/list` describes it, typed; its schemas kept exactly as
//! the server wrote them.

use quickmcp::protocol::ToolAnnotations;
use serde::Deserialize;
use serde_json::{Map, Value};

/// One tool of `tools/list`
/// ([`Client::list_tool_descriptions`](crate::Client::list_tool_descriptions)).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToolDescription {
    /// The name to call it by.
    pub name: String,
    /// Its display name.
    #[serde(default)]
    pub title: Option<String>,
    /// What it does, for the model.
    #[serde(default)]
    pub description: Option<String>,
    /// The JSON Schema of its arguments, untouched (no `$ref` followed).
    #[serde(default)]
    pub input_schema: Value,
    /// The JSON Schema of its `structuredContent`, when it has one.
    #[serde(default)]
    pub output_schema: Option<Value>,
    /// Hints about its behaviour (never guarantees).
    #[serde(default)]
    pub annotations: Option<ToolAnnotations>,
    /// `execution` (`{"taskSupport": "optional"}` for a tool that may run
    /// as a task).
    #[serde(default)]
    pub execution: Option<Value>,
    /// Its `_meta`.
    #[serde(rename = "_meta", default)]
    pub meta: Option<Value>,
    /// Any other member, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl ToolDescription {
    /// Whether it may run as a task (`execution.taskSupport` is
    /// `optional` or `required`).
    pub fn supports_tasks(&self) -> bool {
        let support = self.execution.as_ref().and_then(|e| e.get("taskSupport")).and_then(Value::as_str);
        matches!(support, Some("optional" | "required"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schemas_and_unknown_members_are_kept_as_sent() {
        let schema = json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {"a": {"$anchor": "x"}},
            "type": "object", "properties": {"p": {"$ref": "https://example.com/s.json"}}, "additionalProperties": false});
        let sent = json!({"name": "t", "inputSchema": schema, "execution": {"taskSupport": "optional"}, "icons": []});
        let tool: ToolDescription = serde_json::from_value(sent).unwrap();
        assert_eq!(tool.input_schema, schema);
        assert!(tool.supports_tasks());
        assert_eq!(tool.other["icons"], json!([]));
    }
}
