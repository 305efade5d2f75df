//! Arguments back into an HTTP request: path parameters percent-encoded
//! into the path, query parameters in form style (arrays exploded unless
//! `explode: false`; `deepObject` as `name[key]=value`), headers, cookies,
//! and the JSON body.

use crate::input::{Body, Location, Parameter, Plan, QueryStyle};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

/// Everything but the unreserved characters of RFC 3986 is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A request ready for a backend: the path and query relative to the API's root.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub method: Method,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Option<Bytes>,
}

/// The request `arguments` make, or why they cannot. `raw` is the
/// arguments' JSON text, sent as the body as it is when
/// [`Plan::arguments_are_the_body`].
pub(crate) fn build(
    method: &Method,
    path: &str,
    plan: &Plan,
    arguments: &Map<String, Value>,
    raw: Option<&str>,
) -> Result<Outgoing, String> {
    let mut path = path.to_owned();
    let mut query = String::new();
    // Room for the parameters' headers, `Cookie`, `Content-Type` and `Accept`
    // at once: growing the map costs more than the call's other headers.
    let mut headers = HeaderMap::with_capacity(plan.parameters.len() + 3);
    let mut cookies = Vec::new();
    for parameter in &plan.parameters {
        let Some(value) = arguments.get(&parameter.argument).filter(|v| !v.is_null()) else {
            continue;
        };
        match parameter.location {
            Location::Path => {
                let text = scalar_text(value, parameter);
                // HTTP clients resolve dot segments (`/pets/..` is `/`), even
                // percent-encoded: such a value would leave the operation's path.
                if text.is_empty() || text == "." || text == ".." {
                    return Err(format!("path parameter `{}` cannot be {text:?}", parameter.argument));
                }
                let text = utf8_percent_encode(&text, COMPONENT).to_string();
                path = path.replace(&format!("{{{}}}", parameter.name), &text);
            }
            Location::Query => append_query(&mut query, parameter, value),
            Location::Header => {
                let name = HeaderName::try_from(parameter.name.as_str())
                    .map_err(|_| format!("`{}` is not a valid header name", parameter.name))?;
                let value = HeaderValue::try_from(scalar_text(value, parameter))
                    .map_err(|_| format!("argument `{}` cannot be sent in a header", parameter.argument))?;
                headers.insert(name, value);
            }
            Location::Cookie => {
                let text = utf8_percent_encode(&scalar_text(value, parameter), COMPONENT).to_string();
                cookies.push(format!("{}={text}", parameter.name));
            }
        }
    }
    if !cookies.is_empty() {
        let value = HeaderValue::try_from(cookies.join("; ")).map_err(|_| "a cookie cannot be sent".to_owned())?;
        headers.insert(http::header::COOKIE, value);
    }
    let body = match &plan.body {
        Body::None => None,
        Body::Properties { content_type, .. } if raw.is_some() && plan.arguments_are_the_body() => {
            raw.map(|raw| (raw.to_owned(), content_type))
        }
        Body::Whole { argument, content_type } => {
            arguments.get(argument).map(|value| (value.to_string(), content_type))
        }
        Body::Properties { fields, content_type, required } => {
            let object: Map<String, Value> = fields
                .iter()
                .filter_map(|(argument, property)| Some((property.clone(), arguments.get(argument)?.clone())))
                .collect();
            // An empty object is sent when the body is required; the server judges it.
            (!object.is_empty() || *required).then(|| (Value::Object(object).to_string(), content_type))
        }
    };
    let body = match body {
        Some((text, content_type)) => {
            let content_type =
                HeaderValue::try_from(content_type.as_str()).map_err(|_| "bad content type".to_owned())?;
            headers.insert(http::header::CONTENT_TYPE, content_type);
            Some(Bytes::from(text))
        }
        None => None,
    };
    headers.insert(http::header::ACCEPT, HeaderValue::from_static("application/json, */*;q=0.5"));
    let path_and_query = if query.is_empty() { path } else { format!("{path}?{query}") };
    Ok(Outgoing { method: method.clone(), path_and_query, headers, body })
}

/// A value as text for a path, header or cookie (simple style: arrays and
/// objects comma-separated).
fn scalar_text(value: &Value, parameter: &Parameter) -> String {
    if parameter.as_json {
        return value.to_string();
    }
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(","),
        Value::Object(map) => map.iter().flat_map(|(k, v)| [k.clone(), plain(v)]).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn append_query(query: &mut String, parameter: &Parameter, value: &Value) {
    let mut pair = |name: &str, value: &str| {
        if !query.is_empty() {
            query.push('&');
        }
        query.extend(utf8_percent_encode(name, COMPONENT).map(str::to_owned));
        query.push('=');
        query.extend(utf8_percent_encode(value, COMPONENT).map(str::to_owned));
    };
    if parameter.as_json {
        return pair(&parameter.name, &value.to_string());
    }
    match (value, parameter.style) {
        (Value::Array(items), QueryStyle::Exploded) => {
            items.iter().for_each(|item| pair(&parameter.name, &plain(item)))
        }
        (Value::Object(map), QueryStyle::Exploded) => map.iter().for_each(|(k, v)| pair(k, &plain(v))),
        (Value::Object(map), QueryStyle::DeepObject) => {
            map.iter().for_each(|(k, v)| pair(&format!("{}[{k}]", parameter.name), &plain(v)));
        }
        _ => pair(&parameter.name, &scalar_text(value, parameter)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parameter(argument: &str, name: &str, location: Location, style: QueryStyle) -> Parameter {
        Parameter { argument: argument.into(), name: name.into(), location, style, as_json: false }
    }

    #[test]
    fn arguments_fill_path_query_headers_cookies_and_body() {
        let plan = Plan {
            parameters: vec![
                parameter("id", "id", Location::Path, QueryStyle::Exploded),
                parameter("tags", "tags", Location::Query, QueryStyle::Exploded),
                parameter("ids", "ids", Location::Query, QueryStyle::Joined),
                parameter("filter", "filter", Location::Query, QueryStyle::DeepObject),
                parameter("trace", "X-Trace", Location::Header, QueryStyle::Exploded),
                parameter("session", "session", Location::Cookie, QueryStyle::Exploded),
            ],
            body: Body::Properties {
                fields: vec![("body_id".into(), "id".into()), ("name".into(), "name".into())],
                content_type: "application/json".into(),
                required: true,
            },
        };
        let args = json!({"id": "a/b c", "tags": ["x", "y z"], "ids": [1, 2], "filter": {"kind": "cat"},
            "trace": "t1", "session": "s 1", "body_id": 7, "name": "Rex"});
        let out = build(&Method::POST, "/pets/{id}", &plan, args.as_object().unwrap(), None).unwrap();
        assert_eq!(out.path_and_query, "/pets/a%2Fb%20c?tags=x&tags=y%20z&ids=1%2C2&filter%5Bkind%5D=cat");
        assert_eq!(out.headers["x-trace"], "t1");
        assert_eq!(out.headers["cookie"], "session=s%201");
        let body: Value = serde_json::from_slice(out.body.as_ref().unwrap()).unwrap();
        assert_eq!(body, json!({"id": 7, "name": "Rex"}));
    }

    #[test]
    fn a_path_value_cannot_leave_the_path() {
        let plan =
            Plan { parameters: vec![parameter("id", "id", Location::Path, QueryStyle::Exploded)], body: Body::None };
        for value in ["..", ".", ""] {
            let args = json!({ "id": value });
            let error = build(&Method::GET, "/pets/{id}", &plan, args.as_object().unwrap(), None).unwrap_err();
            assert!(error.contains("cannot be"), "{error}");
        }
        let args = json!({"id": "../admin"});
        let out = build(&Method::GET, "/pets/{id}", &plan, args.as_object().unwrap(), None).unwrap();
        assert_eq!(out.path_and_query, "/pets/..%2Fadmin");
    }
}
