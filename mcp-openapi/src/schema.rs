//! OpenAPI schema objects to self-contained JSON Schema 2020-12.
//!
//! Local `$ref`s are inlined, so that clients without `$ref` support see
//! whole schemas; a reference met again while its own target is being
//! inlined (a recursive type) is kept as `{"$ref": "#/$defs/Name"}`, its
//! target converted once into the root's `$defs`. OpenAPI 3.0's dialect is
//! translated: `nullable: true` adds `null` to the types, boolean
//! `exclusiveMinimum`/`exclusiveMaximum` become numbers, `example` becomes
//! `examples`; `discriminator`, `xml` and `externalDocs` (OpenAPI
//! annotations no validator reads) are dropped. `oneOf`, `anyOf` and
//! `allOf` are kept as they are.

use crate::document::{Version, pointer};
use serde_json::{Map, Value, json};

/// Most schema nodes one operation's schemas may expand to once their
/// `$ref`s are inlined: a document whose references multiply (each type
/// using the previous one twice) is refused rather than expanded.
pub(crate) const MAX_SCHEMA_NODES: usize = 100_000;

/// Converts the schemas of one operation's input (or output), collecting
/// the `$defs` of its recursive types.
pub(crate) struct Converter<'a> {
    doc: &'a Value,
    version: Version,
    /// References being inlined, outermost first.
    stack: Vec<&'a str>,
    /// Each recursive reference and its name under `$defs`.
    names: Vec<(&'a str, String)>,
    defs: Map<String, Value>,
    nodes: usize,
}

impl<'a> Converter<'a> {
    pub fn new(doc: &'a Value, version: Version) -> Self {
        Self { doc, version, stack: Vec::new(), names: Vec::new(), defs: Map::new(), nodes: 0 }
    }

    /// `schema` with its references inlined and its dialect translated.
    pub fn convert(&mut self, schema: &'a Value) -> Result<Value, String> {
        self.nodes += 1;
        if self.nodes > MAX_SCHEMA_NODES {
            return Err(format!("its schemas expand to more than {MAX_SCHEMA_NODES} nodes once `$ref`s are inlined"));
        }
        match schema {
            Value::Object(map) => self.object(map),
            Value::Array(items) => {
                items.iter().map(|item| self.convert(item)).collect::<Result<_, _>>().map(Value::Array)
            }
            other => Ok(other.clone()),
        }
    }

    fn object(&mut self, map: &'a Map<String, Value>) -> Result<Value, String> {
        if let Some(Value::String(reference)) = map.get("$ref") {
            return self.reference(reference, map);
        }
        let mut out = Map::new();
        for (key, value) in map {
            match key.as_str() {
                // Values, not schemas: copied untouched.
                "enum" | "const" | "default" | "examples" => {
                    out.insert(key.clone(), value.clone());
                }
                // `examples`, when given too, wins.
                "example" => {
                    out.entry("examples").or_insert_with(|| json!([value]));
                }
                "discriminator" | "xml" | "externalDocs" | "nullable" => {}
                _ => {
                    out.insert(key.clone(), self.convert(value)?);
                }
            }
        }
        if self.version == Version::V30 {
            exclusive_bounds(&mut out);
        }
        if map.get("nullable") == Some(&Value::Bool(true)) {
            return Ok(nullable(out));
        }
        Ok(Value::Object(out))
    }

    fn reference(&mut self, reference: &'a str, map: &'a Map<String, Value>) -> Result<Value, String> {
        let target = pointer(self.doc, reference)?;
        // Beside a `$ref`, 3.1 allows keywords (`description`…); 3.0 ignores them.
        let siblings: Vec<(&String, &Value)> =
            if self.version == Version::V31 { map.iter().filter(|(k, _)| *k != "$ref").collect() } else { Vec::new() };
        let mut converted = if self.stack.contains(&reference) {
            json!({ "$ref": format!("#/$defs/{}", self.def_name(reference)) })
        } else {
            self.stack.push(reference);
            let converted = self.convert(target);
            self.stack.pop();
            converted?
        };
        if let Value::Object(out) = &mut converted {
            for (key, value) in siblings {
                out.insert(key.clone(), self.convert(value)?);
            }
        }
        Ok(converted)
    }

    /// The `$defs` name of a recursive reference (its last segment, made
    /// unique), converting its target the first time.
    fn def_name(&mut self, reference: &'a str) -> String {
        if let Some((_, name)) = self.names.iter().find(|(r, _)| *r == reference) {
            return name.clone();
        }
        let base: String = reference
            .rsplit('/')
            .next()
            .unwrap_or("def")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' { c } else { '_' })
            .collect();
        let mut name = base.clone();
        let mut n = 1;
        while self.names.iter().any(|(_, taken)| *taken == name) {
            n += 1;
            name = format!("{base}_{n}");
        }
        self.names.push((reference, name.clone()));
        name
    }

    /// The `$defs` the converted schemas refer to, each converted with its
    /// own recursion kept as a `$ref`. Consumes the converter.
    pub fn finish(mut self) -> Result<Map<String, Value>, String> {
        let mut done = 0;
        while done < self.names.len() {
            let (reference, name) = self.names[done].clone();
            let target = pointer(self.doc, reference)?;
            self.stack.push(reference);
            let converted = self.convert(target)?;
            self.stack.pop();
            self.defs.insert(name, converted);
            done += 1;
        }
        Ok(self.defs)
    }
}

/// OpenAPI 3.0's `exclusiveMinimum: true` beside `minimum: 5` is 2020-12's
/// `exclusiveMinimum: 5`.
fn exclusive_bounds(out: &mut Map<String, Value>) {
    for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        match out.get(exclusive) {
            Some(Value::Bool(true)) => {
                out.remove(exclusive);
                if let Some(value) = out.remove(bound) {
                    out.insert(exclusive.into(), value);
                }
            }
            Some(Value::Bool(false)) => {
                out.remove(exclusive);
            }
            _ => {}
        }
    }
}

/// `schema` that also accepts `null`.
fn nullable(mut out: Map<String, Value>) -> Value {
    if let Some(Value::Array(values)) = out.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    match out.get_mut("type") {
        Some(Value::String(single)) => {
            let single = std::mem::take(single);
            out.insert("type".into(), json!([single, "null"]));
            Value::Object(out)
        }
        Some(Value::Array(types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
            Value::Object(out)
        }
        _ => json!({ "anyOf": [Value::Object(out), { "type": "null" }] }),
    }
}

/// Whether a converted schema describes objects only (then structured
/// content is the value itself, otherwise `{"result": value}`).
pub(crate) fn is_object_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("object")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(doc: &Value, version: Version, schema: &Value) -> (Value, Map<String, Value>) {
        let mut converter = Converter::new(doc, version);
        let converted = converter.convert(schema).unwrap();
        (converted, converter.finish().unwrap())
    }

    #[test]
    fn references_are_inlined_and_recursion_kept_in_defs() {
        let doc = json!({"components": {"schemas": {
            "Tag": {"type": "object", "properties": {"name": {"type": "string"}}},
            "Node": {"type": "object", "properties": {"tag": {"$ref": "#/components/schemas/Tag"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}}}});
        let (schema, defs) = convert(&doc, Version::V31, &json!({"$ref": "#/components/schemas/Node"}));
        assert_eq!(schema["properties"]["tag"]["properties"]["name"]["type"], "string");
        assert_eq!(schema["properties"]["children"]["items"], json!({"$ref": "#/$defs/Node"}));
        assert_eq!(defs["Node"]["properties"]["children"]["items"], json!({"$ref": "#/$defs/Node"}));
        assert_eq!(defs.len(), 1);
    }

    #[test]
    fn openapi_30_is_translated() {
        let doc = json!({});
        let schema = json!({"type": "integer", "nullable": true, "minimum": 1, "exclusiveMinimum": true,
            "example": 3, "xml": {"name": "n"}});
        let (out, _) = convert(&doc, Version::V30, &schema);
        assert_eq!(out, json!({"type": ["integer", "null"], "exclusiveMinimum": 1, "examples": [3]}));
        let (out, _) = convert(&doc, Version::V30, &json!({"oneOf": [{"type": "string"}], "nullable": true}));
        assert_eq!(out, json!({"anyOf": [{"oneOf": [{"type": "string"}]}, {"type": "null"}]}));
    }

    #[test]
    fn multiplying_references_are_refused() {
        let mut schemas = Map::new();
        schemas.insert("T0".into(), json!({"type": "string"}));
        for i in 1..30 {
            let previous = format!("#/components/schemas/T{}", i - 1);
            schemas.insert(
                format!("T{i}"),
                json!({"type": "array", "prefixItems": [{"$ref": previous}, {"$ref": previous}]}),
            );
        }
        let doc = json!({"components": {"schemas": schemas}});
        let schema = json!({"$ref": "#/components/schemas/T29"});
        let error = Converter::new(&doc, Version::V31).convert(&schema).unwrap_err();
        assert!(error.contains("nodes"), "{error}");
    }
}
