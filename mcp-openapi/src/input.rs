//! One input schema from an operation's parameters and JSON body, and the
//! plan that takes the arguments apart again into a request.
//!
//! Arguments are named after what they fill, in this order: path, query,
//! header and cookie parameters, then the body's properties. A name taken
//! by an earlier one gets its location as a prefix (`query_id`,
//! `header_id`, `cookie_id`, `body_id`). A body that is not a plain object
//! schema (an array, a string, a `oneOf` of objects) is one argument,
//! `body`. A JSON body's `required` properties are required arguments when
//! the body is.

use crate::document::{Operation, follow};
use crate::schema::Converter;
use serde_json::{Map, Value, json};

/// Where a parameter goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

impl Location {
    fn parse(value: &str) -> Option<Self> {
        match value {
            "path" => Some(Self::Path),
            "query" => Some(Self::Query),
            "header" => Some(Self::Header),
            "cookie" => Some(Self::Cookie),
            _ => None,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Query => "query",
            Self::Header => "header",
            Self::Cookie => "cookie",
        }
    }
}

/// How a query value is written (`style`/`explode` of the parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueryStyle {
    /// `ids=1&ids=2` (form, explode: the default).
    Exploded,
    /// `ids=1,2` (form, explode: false).
    Joined,
    /// `filter[kind]=cat` (deepObject).
    DeepObject,
}

/// One parameter: the argument that fills it, and where it goes.
#[derive(Debug, Clone)]
pub(crate) struct Parameter {
    pub argument: String,
    pub name: String,
    pub location: Location,
    pub style: QueryStyle,
    /// Sent as JSON text (a parameter described by `content`).
    pub as_json: bool,
}

/// Where the body comes from.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    None,
    /// An object assembled from these arguments: (argument, property).
    Properties {
        fields: Vec<(String, String)>,
        content_type: String,
        required: bool,
    },
    /// One argument holds the whole body.
    Whole {
        argument: String,
        content_type: String,
    },
}

/// How arguments become a request.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub parameters: Vec<Parameter>,
    pub body: Body,
}

impl Plan {
    /// Whether the arguments, as sent, are the body: no parameters, and
    /// every argument a body property of the same name (the arguments were
    /// checked against a schema without other properties).
    pub fn arguments_are_the_body(&self) -> bool {
        self.parameters.is_empty()
            && matches!(&self.body, Body::Properties { fields, .. } if fields.iter().all(|(a, p)| a == p))
    }
}

/// The merged input schema and its plan.
pub(crate) fn build<'a>(operation: &Operation<'a>, converter: &mut Converter<'a>) -> Result<(Value, Plan), String> {
    let doc_parameters = declared_parameters(operation)?;
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut parameters = Vec::new();
    for location in [Location::Path, Location::Query, Location::Header, Location::Cookie] {
        for declared in doc_parameters.iter().filter(|p| p.1 == location) {
            let (name, _, object) = declared;
            let argument = free_name(&properties, name, location.prefix())?;
            let (schema, as_json) = parameter_schema(object, converter)?;
            let mut schema = schema;
            if let (Some(description), Value::Object(map)) = (object.get("description"), &mut schema) {
                map.entry("description").or_insert_with(|| description.clone());
            }
            if location == Location::Path || object.get("required") == Some(&Value::Bool(true)) {
                required.push(Value::from(argument.clone()));
            }
            let style = match (object.get("style").and_then(Value::as_str), object.get("explode")) {
                (Some("deepObject"), _) => QueryStyle::DeepObject,
                (_, Some(Value::Bool(false))) => QueryStyle::Joined,
                (Some("form") | None, _) => QueryStyle::Exploded,
                (Some(_), _) => QueryStyle::Joined,
            };
            properties.insert(argument.clone(), schema);
            parameters.push(Parameter { argument, name: name.clone(), location, style, as_json });
        }
    }
    check_path_template(operation.path, &parameters)?;
    let body = body(operation, converter, &mut properties, &mut required)?;
    let mut schema = json!({ "type": "object", "properties": properties, "additionalProperties": false });
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    Ok((schema, Plan { parameters, body }))
}

/// The operation's parameters with those of its path item it does not
/// override, as (name, location, object).
fn declared_parameters<'a>(operation: &Operation<'a>) -> Result<Vec<(String, Location, &'a Value)>, String> {
    let doc = operation.doc;
    let mut found: Vec<(String, Location, &Value)> = Vec::new();
    for list in [operation.op.get("parameters"), operation.item.get("parameters")].into_iter().flatten() {
        let Some(list) = list.as_array() else {
            return Err("`parameters` is not a list".into());
        };
        for parameter in list {
            let parameter = follow(doc, parameter)?;
            let name = parameter.get("name").and_then(Value::as_str).ok_or("a parameter has no `name`")?;
            let location = parameter.get("in").and_then(Value::as_str).unwrap_or_default();
            let Some(location) = Location::parse(location) else {
                return Err(format!("parameter `{name}` has `in: {location}`, not path, query, header or cookie"));
            };
            // Headers the HTTP layer owns are not parameters (OpenAPI says to ignore them).
            if location == Location::Header
                && ["accept", "content-type", "authorization"].contains(&name.to_ascii_lowercase().as_str())
            {
                continue;
            }
            // The operation's own come first and win over the path item's.
            if !found.iter().any(|(n, l, _)| n == name && *l == location) {
                found.push((name.to_owned(), location, parameter));
            }
        }
    }
    Ok(found)
}

/// The schema of a parameter, from `schema` or from `content` (sent as JSON).
fn parameter_schema<'a>(object: &'a Value, converter: &mut Converter<'a>) -> Result<(Value, bool), String> {
    if let Some(schema) = object.get("schema") {
        return Ok((converter.convert(schema)?, false));
    }
    let from_content = object.get("content").and_then(Value::as_object).and_then(|c| c.values().next());
    match from_content.and_then(|media| media.get("schema")) {
        Some(schema) => Ok((converter.convert(schema)?, true)),
        None => Ok((json!({}), false)),
    }
}

/// `name`, or `prefix_name` when `name` is taken.
fn free_name(properties: &Map<String, Value>, name: &str, prefix: &str) -> Result<String, String> {
    if !properties.contains_key(name) {
        return Ok(name.to_owned());
    }
    let prefixed = format!("{prefix}_{name}");
    if !properties.contains_key(&prefixed) {
        return Ok(prefixed);
    }
    Err(format!("the arguments `{name}` and `{prefixed}` are both taken; rename a parameter or a body property"))
}

/// Every `{name}` of the path is a declared path parameter, and the reverse.
fn check_path_template(path: &str, parameters: &[Parameter]) -> Result<(), String> {
    let mut rest = path;
    let mut in_template = Vec::new();
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}') else {
            return Err(format!("the path has an unclosed `{{` at `{}`", &rest[start..]));
        };
        let name = &rest[start + 1..start + end];
        if !parameters.iter().any(|p| p.location == Location::Path && p.name == name) {
            return Err(format!("path parameter `{{{name}}}` is not declared in `parameters` (with `in: path`)"));
        }
        in_template.push(name);
        rest = &rest[start + end + 1..];
    }
    match parameters.iter().find(|p| p.location == Location::Path && !in_template.contains(&p.name.as_str())) {
        Some(extra) => {
            Err(format!("parameter `{}` has `in: path` but the path has no `{{{}}}`", extra.name, extra.name))
        }
        None => Ok(()),
    }
}

/// The JSON media type of a content map: `application/json`, else the
/// first `…+json` or `…/json`.
pub(crate) fn json_media(content: &Map<String, Value>) -> Option<(&String, &Value)> {
    content.get_key_value("application/json").or_else(|| {
        content.iter().find(|(media, _)| {
            let essence = media.split(';').next().unwrap_or_default().trim();
            essence.ends_with("+json") || essence.ends_with("/json")
        })
    })
}

fn body<'a>(
    operation: &Operation<'a>,
    converter: &mut Converter<'a>,
    properties: &mut Map<String, Value>,
    required: &mut Vec<Value>,
) -> Result<Body, String> {
    let Some(request_body) = operation.op.get("requestBody") else {
        return Ok(Body::None);
    };
    let request_body = follow(operation.doc, request_body)?;
    let body_required = request_body.get("required") == Some(&Value::Bool(true));
    let content = request_body.get("content").and_then(Value::as_object).ok_or("`requestBody` has no `content`")?;
    let Some((media, media_object)) = json_media(content) else {
        let kinds: Vec<&str> = content.keys().map(String::as_str).collect();
        return Err(format!(
            "its request body is {}, not JSON; only JSON bodies are supported (leave it out with RouteMap::exclude())",
            kinds.join(", ")
        ));
    };
    let content_type = media.clone();
    let schema = match media_object.get("schema") {
        Some(schema) => converter.convert(schema)?,
        None => json!({}),
    };
    let plain_object = schema.get("properties").is_some_and(Value::is_object)
        && schema.get("type").is_none_or(|t| t == "object")
        && ["oneOf", "anyOf", "allOf", "$ref", "if", "not"].iter().all(|k| schema.get(k).is_none());
    if !plain_object {
        let argument = free_name(properties, "body", "request")?;
        let mut schema = schema;
        if let (Some(description), Value::Object(map)) = (request_body.get("description"), &mut schema) {
            map.entry("description").or_insert_with(|| description.clone());
        }
        if body_required {
            required.push(Value::from(argument.clone()));
        }
        properties.insert(argument.clone(), schema);
        return Ok(Body::Whole { argument, content_type });
    }
    let body_required_names: Vec<&str> =
        schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    let mut fields = Vec::new();
    for (property, property_schema) in schema["properties"].as_object().into_iter().flatten() {
        let argument = free_name(properties, property, "body")?;
        if body_required && body_required_names.contains(&property.as_str()) {
            required.push(Value::from(argument.clone()));
        }
        properties.insert(argument.clone(), property_schema.clone());
        fields.push((argument, property.clone()));
    }
    Ok(Body::Properties { fields, content_type, required: body_required })
}
