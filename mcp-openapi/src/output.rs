//! The `outputSchema` of a tool: the JSON schema of the operation's first
//! successful response (`200`, `201`, … `2XX` in that order), wrapped as
//! `{"result": …}` unless it describes objects only, the same rule
//! `#[tool]` follows for `Json<T>` (see [`Output`]).

use crate::document::{Operation, follow};
use crate::input::json_media;
use crate::schema::{Converter, is_object_schema};
use serde_json::{Value, json};

/// How a 2xx JSON answer becomes structured content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Output {
    /// No output schema: the answer is text only.
    Text,
    /// The schema describes objects: the answer is the structured content.
    Object,
    /// Anything else: the answer goes under `result`.
    Wrapped,
}

/// The output schema and the matching rule, or `(None, Text)`.
pub(crate) fn build<'a>(
    operation: &Operation<'a>,
    converter: &mut Converter<'a>,
) -> Result<(Option<Value>, Output), String> {
    let Some(responses) = operation.op.get("responses").and_then(Value::as_object) else {
        return Ok((None, Output::Text));
    };
    let mut successes: Vec<(&String, &Value)> =
        responses.iter().filter(|(status, _)| status.starts_with('2')).collect();
    // "200" < "201" < … < "2XX": explicit statuses first.
    successes.sort_by(|a, b| a.0.cmp(b.0));
    let Some((_, response)) = successes.first() else {
        return Ok((None, Output::Text));
    };
    let response = follow(operation.doc, response)?;
    let schema = response
        .get("content")
        .and_then(Value::as_object)
        .and_then(json_media)
        .and_then(|(_, media)| media.get("schema"));
    let Some(schema) = schema else {
        return Ok((None, Output::Text));
    };
    let schema = converter.convert(schema)?;
    if is_object_schema(&schema) {
        return Ok((Some(schema), Output::Object));
    }
    let wrapped = json!({ "type": "object", "properties": { "result": schema }, "required": ["result"] });
    Ok((Some(wrapped), Output::Wrapped))
}
