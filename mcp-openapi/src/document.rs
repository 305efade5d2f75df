//! The document: parsed, its version checked, its operations listed, and
//! its local `$ref`s followed.

use crate::error::OpenApiError;
use http::Method;
use serde_json::Value;

/// How many `$ref` hops lead from a reference object to its target at most.
const MAX_REF_HOPS: usize = 32;

/// The HTTP methods a path item may describe, in the order they are listed.
const METHODS: [(&str, Method); 8] = [
    ("get", Method::GET),
    ("put", Method::PUT),
    ("post", Method::POST),
    ("delete", Method::DELETE),
    ("options", Method::OPTIONS),
    ("head", Method::HEAD),
    ("patch", Method::PATCH),
    ("trace", Method::TRACE),
];

/// Which OpenAPI line a document follows; 3.0 schemas get translated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V30,
    V31,
}

/// Checks the root: an object with `openapi: 3.0.x` or `3.1.x`.
pub(crate) fn version(doc: &Value) -> Result<Version, OpenApiError> {
    let Some(root) = doc.as_object() else {
        return Err(OpenApiError::Malformed("the root is not an object".into()));
    };
    if let Some(swagger) = root.get("swagger") {
        return Err(OpenApiError::UnsupportedVersion(format!(
            "Swagger {swagger} (OpenAPI 2.0); convert it to OpenAPI 3 first"
        )));
    }
    let version = match root.get("openapi") {
        Some(Value::String(version)) => version,
        Some(other) => return Err(OpenApiError::Malformed(format!("`openapi` is {other}, not a version string"))),
        None => return Err(OpenApiError::UnsupportedVersion("no `openapi` version field".into())),
    };
    let version = if version.starts_with("3.0.") || version == "3.0" {
        Version::V30
    } else if version.starts_with("3.1.") || version == "3.1" {
        Version::V31
    } else {
        return Err(OpenApiError::UnsupportedVersion(format!("OpenAPI {version}; 3.0 and 3.1 are supported")));
    };
    match root.get("paths") {
        None | Some(Value::Object(_)) => Ok(version),
        Some(_) => Err(OpenApiError::Malformed("`paths` is not an object".into())),
    }
}

/// One operation of the document, as found.
pub(crate) struct Operation<'a> {
    /// The whole document, where references point.
    pub doc: &'a Value,
    pub method: Method,
    pub path: &'a str,
    /// The path item (its `parameters` apply to every operation in it).
    pub item: &'a Value,
    /// The operation object.
    pub op: &'a Value,
}

impl Operation<'_> {
    pub fn operation_id(&self) -> Option<&str> {
        self.op.get("operationId").and_then(Value::as_str)
    }

    /// `GET /pets/{petId} (operationId getPetById)`: how errors name it.
    pub fn label(&self) -> String {
        match self.operation_id() {
            Some(id) => format!("{} {} (operationId {id})", self.method, self.path),
            None => format!("{} {}", self.method, self.path),
        }
    }

    pub fn tags(&self) -> Vec<String> {
        let tags = self.op.get("tags").and_then(Value::as_array);
        tags.into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        self.op.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
    }
}

/// Every operation, in document order (paths, then methods as listed in
/// [`METHODS`]); a path item that is a `$ref` is followed.
pub(crate) fn operations(doc: &Value) -> Result<Vec<Operation<'_>>, OpenApiError> {
    let mut found = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Ok(found);
    };
    for (path, item) in paths {
        if !path.starts_with('/') {
            return Err(OpenApiError::Malformed(format!("path `{path}` does not start with `/`")));
        }
        let item = follow(doc, item).map_err(|problem| OpenApiError::operation(path, problem))?;
        for (key, method) in &METHODS {
            if let Some(op) = item.get(*key) {
                if !op.is_object() {
                    return Err(OpenApiError::operation(&format!("{method} {path}"), "the operation is not an object"));
                }
                found.push(Operation { doc, method: method.clone(), path, item, op });
            }
        }
    }
    Ok(found)
}

/// The value a reference object points at (itself when it is not one),
/// following chains of references.
pub(crate) fn follow<'a>(doc: &'a Value, mut value: &'a Value) -> Result<&'a Value, String> {
    for _ in 0..MAX_REF_HOPS {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => value = pointer(doc, reference)?,
            None => return Ok(value),
        }
    }
    Err(format!("more than {MAX_REF_HOPS} `$ref`s in a chain"))
}

/// The target of a local reference `#/a/b`; other references are refused.
pub(crate) fn pointer<'a>(doc: &'a Value, reference: &str) -> Result<&'a Value, String> {
    let Some(fragment) = reference.strip_prefix('#') else {
        return Err(format!(
            "`$ref: {reference}` points outside the document; only local `#/...` references are supported"
        ));
    };
    let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
    doc.pointer(&decoded).ok_or_else(|| format!("`$ref: {reference}` points at nothing"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions() {
        assert_eq!(version(&json!({"openapi": "3.0.3", "paths": {}})), Ok(Version::V30));
        assert_eq!(version(&json!({"openapi": "3.1.0"})), Ok(Version::V31));
        assert!(matches!(version(&json!({"swagger": "2.0"})), Err(OpenApiError::UnsupportedVersion(_))));
        assert!(matches!(version(&json!({"openapi": "4.0.0"})), Err(OpenApiError::UnsupportedVersion(_))));
        assert!(matches!(version(&json!([1])), Err(OpenApiError::Malformed(_))));
    }

    #[test]
    fn references_are_followed_and_bounded() {
        let doc = json!({"components": {"schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {"type": "string"},
            "L": {"$ref": "#/components/schemas/L"}, "a/b": {"type": "integer"}}}});
        assert_eq!(follow(&doc, &json!({"$ref": "#/components/schemas/A"})), Ok(&json!({"type": "string"})));
        assert!(follow(&doc, &json!({"$ref": "#/components/schemas/L"})).unwrap_err().contains("chain"));
        assert_eq!(pointer(&doc, "#/components/schemas/a~1b"), Ok(&json!({"type": "integer"})));
        assert!(pointer(&doc, "other.json#/x").unwrap_err().contains("outside"));
        assert!(pointer(&doc, "#/nope").unwrap_err().contains("nothing"));
    }
}
