//! Tool arguments mirrored in HTTP headers (2026-07-28, SEP-2243): a tool's
//! `inputSchema` may mark a top-level property with `"x-mcp-header": "Region"`,
//! and a `tools/call` over Streamable HTTP then carries the argument's value
//! in `Mcp-Param-Region`, so intermediaries can route without reading the
//! body.
//!
//! A tool whose annotations break the rules (an empty or non-token name, two
//! names equal but for case, a type other than string, integer or boolean, an
//! annotation below the top-level properties) is rejected: the client leaves
//! it out of `list_tools` and refuses to call it.

use base64::Engine as _;
use serde_json::Value;

/// How deep the schema walk goes looking for misplaced annotations; a
/// deeper schema is rejected rather than walked.
const MAX_DEPTH: usize = 64;

/// The schema keyword that marks a mirrored property.
const ANNOTATION: &str = "x-mcp-header";

/// A tool's mirrored arguments: pairs of property and header suffix
/// (`("region", "Region")` becomes `Mcp-Param-Region`).
pub(crate) type Mirrored = Vec<(String, String)>;

/// The mirrored arguments `input_schema` declares, or why the tool must be
/// rejected.
pub(crate) fn scan(input_schema: &Value) -> Result<Mirrored, String> {
    let mut mirrored: Mirrored = Vec::new();
    let properties = input_schema.get("properties").and_then(Value::as_object);
    for (property, schema) in properties.into_iter().flatten() {
        let Some(annotation) = schema.get(ANNOTATION) else { continue };
        let name = annotation.as_str().ok_or_else(|| format!("the {ANNOTATION} of `{property}` is not a string"))?;
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(format!("the {ANNOTATION} {name:?} of `{property}` is not an HTTP token"));
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("string" | "integer" | "boolean") => {}
            other => {
                return Err(format!(
                    "`{property}` (type {}) may not be mirrored: only string, integer and boolean may",
                    other.unwrap_or("unstated")
                ));
            }
        }
        if let Some((other, _)) = mirrored.iter().find(|(_, n)| n.eq_ignore_ascii_case(name)) {
            return Err(format!("`{other}` and `{property}` both mirror into Mcp-Param-{name}"));
        }
        mirrored.push((property.clone(), name.to_owned()));
    }
    // Only the top-level properties may be mirrored: one anywhere else makes
    // the whole definition invalid.
    match annotations(input_schema, 0) {
        Some(count) if count == mirrored.len() => Ok(mirrored),
        Some(_) => Err(format!("an {ANNOTATION} below the top-level properties")),
        None => Err(format!("an inputSchema nested deeper than {MAX_DEPTH} levels")),
    }
}

/// How many `x-mcp-header` keys `schema` holds at any depth (`None` past
/// [`MAX_DEPTH`]).
fn annotations(schema: &Value, depth: usize) -> Option<usize> {
    if depth > MAX_DEPTH {
        return None;
    }
    match schema {
        Value::Object(fields) => fields.iter().try_fold(0, |count, (key, value)| {
            Some(count + usize::from(key == ANNOTATION) + annotations(value, depth + 1)?)
        }),
        Value::Array(items) => items.iter().try_fold(0, |count, item| Some(count + annotations(item, depth + 1)?)),
        _ => Some(0),
    }
}

/// RFC 9110's `tchar`.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// The headers a call with `arguments` carries: one per mirrored argument
/// present and not null.
pub(crate) fn headers(mirrored: &Mirrored, arguments: &Value) -> Vec<(String, String)> {
    mirrored
        .iter()
        .filter_map(|(property, name)| {
            let value = encode_value(arguments.get(property)?)?;
            Some((format!("mcp-param-{name}"), value))
        })
        .collect()
}

/// A value as a header carries it: integers in decimal, booleans as
/// `true`/`false`, text by [`encode_text`]; `null` (and what cannot be a
/// header) is left out.
fn encode_value(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(encode_text(text)),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Number(number) => Some(number.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// Text as a header carries it: itself when it is visible ASCII and spaces
/// with no space at either end, else `=?base64?…?=` of its UTF-8 bytes (as
/// is text that already looks so, to keep decoding unambiguous).
pub(crate) fn encode_text(text: &str) -> String {
    let plain = text.bytes().all(|b| (b' '..=b'~').contains(&b))
        && text.trim() == text
        && !(text.starts_with("=?base64?") && text.ends_with("?="));
    if plain {
        text.to_owned()
    } else {
        format!("=?base64?{}?=", base64::engine::general_purpose::STANDARD.encode(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(properties: Value) -> Value {
        json!({"type": "object", "properties": properties})
    }

    #[test]
    fn valid_annotations_are_mirrored_with_their_values_encoded() {
        let mirrored = scan(&schema(json!({
            "region": {"type": "string", "x-mcp-header": "Region"},
            "priority": {"type": "integer", "x-mcp-header": "Priority"},
            "verbose": {"type": "boolean", "x-mcp-header": "Verbose"},
            "query": {"type": "string"},
        })))
        .unwrap();
        assert_eq!(mirrored.len(), 3);
        let mut sent = headers(&mirrored, &json!({"region": " padded", "priority": 42, "verbose": null, "query": "x"}));
        sent.sort();
        assert_eq!(
            sent,
            [("mcp-param-Priority".into(), "42".into()), ("mcp-param-Region".into(), "=?base64?IHBhZGRlZA==?=".into())]
        );
    }

    #[test]
    fn text_is_plain_only_when_a_header_can_carry_it_unchanged() {
        assert_eq!(encode_text("us west 1"), "us west 1");
        assert_eq!(encode_text(""), "");
        for unsafe_text in ["Hello, 世界", "line1\nline2", "\tindented", "trailing ", "=?base64?abc?="] {
            let encoded = encode_text(unsafe_text);
            let inner = encoded.strip_prefix("=?base64?").and_then(|e| e.strip_suffix("?=")).unwrap();
            assert_eq!(base64::engine::general_purpose::STANDARD.decode(inner).unwrap(), unsafe_text.as_bytes());
        }
    }

    #[test]
    fn invalid_annotations_reject_the_tool() {
        for properties in [
            json!({"v": {"type": "string", "x-mcp-header": ""}}),
            json!({"v": {"type": "string", "x-mcp-header": "My Region"}}),
            json!({"v": {"type": "string", "x-mcp-header": "Region:Primary"}}),
            json!({"v": {"type": "string", "x-mcp-header": "Région"}}),
            json!({"v": {"type": "string", "x-mcp-header": "Region\t1"}}),
            json!({"v": {"type": "number", "x-mcp-header": "Score"}}),
            json!({"v": {"type": "object", "x-mcp-header": "Data"}}),
            json!({"v": {"type": "array", "items": {"type": "string"}, "x-mcp-header": "Items"}}),
            json!({"v": {"type": "null", "x-mcp-header": "Nil"}}),
            json!({"a": {"type": "string", "x-mcp-header": "MyField"}, "b": {"type": "string", "x-mcp-header": "myfield"}}),
            json!({"v": {"type": "array", "items": {"type": "string", "x-mcp-header": "Deep"}}}),
        ] {
            assert!(scan(&schema(properties.clone())).is_err(), "{properties} passed");
        }
    }
}
