//! JSON Schema glue: input schemas built per argument, output schemas per
//! return type, both JSON Schema 2020-12 from schemars.
//!
//! Whether an argument is required is decided by asking serde: a type that
//! deserialises from "nothing" (see [`is_optional`]) is optional. The runtime
//! uses the same check when a key is absent, so schema and behaviour agree.

use schemars::{JsonSchema, SchemaGenerator, generate::SchemaSettings};
use serde::de::{self, DeserializeOwned, Visitor};
use serde_json::{Map, Value, json};

/// Builds the object schema of a tool's (or prompt's) arguments.
pub struct ObjectSchema {
    generator: SchemaGenerator,
    properties: Map<String, Value>,
    required: Vec<Value>,
}

impl Default for ObjectSchema {
    fn default() -> Self {
        Self::new()
    }
}

impl ObjectSchema {
    /// An empty object schema.
    pub fn new() -> Self {
        Self {
            generator: SchemaSettings::draft2020_12().into_generator(),
            properties: Map::new(),
            required: Vec::new(),
        }
    }

    /// Adds property `name` of type `T`; optional when `T` is, or when a
    /// default is given.
    pub fn property<T: JsonSchema + DeserializeOwned>(
        &mut self,
        name: &str,
        description: Option<&str>,
        default: Option<Value>,
    ) {
        let mut schema = self.generator.subschema_for::<T>().to_value();
        let optional = is_optional::<T>();
        if optional {
            strip_null(&mut schema);
        }
        if let Value::Object(map) = &mut schema {
            if let Some(description) = description {
                map.insert("description".into(), description.into());
            }
            if let Some(default) = &default {
                map.insert("default".into(), default.clone());
            }
        }
        if !optional && default.is_none() {
            self.required.push(name.into());
        }
        self.properties.insert(name.into(), schema);
    }

    /// Whether property `name` was declared.
    pub fn has(&self, name: &str) -> bool {
        self.properties.contains_key(name)
    }

    /// The finished schema: `type: object`, `properties`, `required` when
    /// non-empty, `additionalProperties: false`, and `$defs` when any.
    pub fn finish(mut self) -> Value {
        let mut root = Map::new();
        root.insert("type".into(), "object".into());
        root.insert("properties".into(), Value::Object(self.properties));
        if !self.required.is_empty() {
            root.insert("required".into(), Value::Array(self.required));
        }
        root.insert("additionalProperties".into(), false.into());
        let defs = self.generator.take_definitions(true);
        if !defs.is_empty() {
            root.insert("$defs".into(), Value::Object(defs));
        }
        let mut schema = Value::Object(root);
        drop_unknown_formats(&mut schema);
        schema
    }
}

/// The output schema of a tool returning `T`: an object schema, or
/// `{"result": T}` when `T` is not an object (structured content must be an
/// object). See [`wrap_structured`] for the matching runtime rule.
pub fn output_schema<T: JsonSchema>() -> Value {
    let mut generator = SchemaSettings::draft2020_12().for_serialize().into_generator();
    let mut schema = generator.root_schema_for::<T>().to_value();
    drop_unknown_formats(&mut schema);
    if schema.get("type") == Some(&Value::from("object")) {
        return schema;
    }
    let defs = schema.as_object_mut().and_then(|m| m.remove("$defs"));
    if let Value::Object(map) = &mut schema {
        map.remove("$schema");
    }
    let mut wrapped = json!({
        "type": "object",
        "properties": { "result": schema },
        "required": ["result"],
    });
    if let Some(defs) = defs {
        wrapped["$defs"] = defs;
    }
    wrapped
}

/// Structured content for a serialised value: objects as they are, anything
/// else as `{"result": value}`.
pub fn wrap_structured(value: Value) -> Value {
    if value.is_object() { value } else { json!({ "result": value }) }
}

/// The `format` values JSON Schema 2020-12 defines.
const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// Removes schemars' Rust-specific formats (`uint8`, `int64`, `double`…):
/// allowed as annotations, but validators in clients warn about each one,
/// and the numeric bounds schemars also emits already say what matters.
fn drop_unknown_formats(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.get("format").and_then(Value::as_str).is_some_and(|f| !STANDARD_FORMATS.contains(&f)) {
                map.remove("format");
            }
            map.values_mut().for_each(drop_unknown_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_unknown_formats),
        _ => {}
    }
}

/// Removes `null` from a schema generated for `Option<T>`.
fn strip_null(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            map.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(branches)) = map.get_mut(key) else {
            continue;
        };
        branches.retain(|b| b.get("type") != Some(&Value::from("null")) && b.get("const") != Some(&Value::Null));
        if branches.len() == 1 {
            let only = branches.remove(0);
            map.remove(key);
            if let Value::Object(inner) = only {
                for (k, v) in inner {
                    map.entry(k).or_insert(v);
                }
            }
        }
    }
}

/// Whether `T` deserialises when its value is absent (`Option<_>` and
/// friends). The same rule decides `required` and absent-key behaviour.
pub fn is_optional<T: DeserializeOwned>() -> bool {
    T::deserialize(Missing).is_ok()
}

/// Decodes `T` for an absent value: `Ok` only for optional types.
pub fn from_missing<T: DeserializeOwned>() -> Result<T, MissingError> {
    T::deserialize(Missing)
}

/// A deserializer standing for an absent value.
struct Missing;

/// The error of [`from_missing`] for a required type.
#[derive(Debug)]
pub struct MissingError;

impl std::fmt::Display for MissingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("value is missing")
    }
}
impl std::error::Error for MissingError {}
impl de::Error for MissingError {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        MissingError
    }
}

impl<'de> de::Deserializer<'de> for Missing {
    type Error = MissingError;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, MissingError> {
        Err(MissingError)
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MissingError> {
        visitor.visit_none()
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_types_that_accept_absence_are_optional() {
        assert!(is_optional::<Option<String>>());
        assert!(!is_optional::<String>());
    }

    #[derive(serde::Deserialize, schemars::JsonSchema)]
    #[allow(dead_code)]
    enum Units {
        Metric,
        Imperial,
    }

    #[test]
    fn optional_arguments_are_not_required_and_never_null() {
        let mut s = ObjectSchema::new();
        s.property::<String>("city", Some("City"), None);
        s.property::<Option<u32>>("days", None, None);
        s.property::<Option<Units>>("units", None, None);
        let v = s.finish();
        assert_eq!(v["required"], json!(["city"]));
        assert_eq!(v["properties"]["days"]["type"], "integer");
        assert_eq!(v["properties"]["city"]["description"], "City");
        assert!(!v["properties"]["units"].to_string().contains("null"), "{v}");
        assert_eq!(v["additionalProperties"], false);
    }

    #[test]
    fn rust_specific_formats_are_dropped_and_standard_ones_kept() {
        #[derive(serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
        #[allow(dead_code)]
        struct Row {
            small: u8,
            when: String,
        }
        let mut s = ObjectSchema::new();
        s.property::<u8>("n", None, None);
        s.property::<Row>("row", None, None);
        let v = s.finish();
        assert!(!v.to_string().contains("uint8"), "{v}");
        assert_eq!(v["properties"]["n"]["minimum"], 0);
        assert!(!output_schema::<Row>().to_string().contains("uint8"));
        let mut custom = json!({"type": "string", "format": "date-time"});
        drop_unknown_formats(&mut custom);
        assert_eq!(custom["format"], "date-time");
    }

    #[test]
    fn zero_arguments_is_an_empty_object() {
        let v = ObjectSchema::new().finish();
        assert_eq!(v["type"], "object");
        assert_eq!(v["properties"], json!({}));
        assert!(v.get("required").is_none());
    }

    #[test]
    fn non_object_outputs_are_wrapped() {
        let v = output_schema::<Vec<u32>>();
        assert_eq!(v["type"], "object");
        assert_eq!(v["properties"]["result"]["type"], "array");
        assert_eq!(wrap_structured(json!(3)), json!({"result": 3}));
    }
}
