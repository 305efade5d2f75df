//! YAML documents (feature `yaml`), read into the same JSON value a JSON
//! document is.

use crate::error::OpenApiError;
use serde_json::{Map, Value};
use yaml_rust2::{Yaml, YamlLoader};

/// The first YAML document of `text`, as JSON.
pub(crate) fn to_json(text: &str) -> Result<Value, OpenApiError> {
    let documents = YamlLoader::load_from_str(text).map_err(|e| OpenApiError::Malformed(e.to_string()))?;
    let first = documents.into_iter().next().ok_or_else(|| OpenApiError::Malformed("an empty YAML document".into()))?;
    convert(first)
}

fn convert(yaml: Yaml) -> Result<Value, OpenApiError> {
    Ok(match yaml {
        Yaml::Null | Yaml::BadValue => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::from(i),
        Yaml::Real(text) => {
            text.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(Value::String(text), Value::Number)
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Array(items) => Value::Array(items.into_iter().map(convert).collect::<Result<_, _>>()?),
        Yaml::Hash(hash) => {
            let mut map = Map::new();
            for (key, value) in hash {
                let key = match key {
                    Yaml::String(s) => s,
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    other => return Err(OpenApiError::Malformed(format!("a mapping key {other:?} is not a string"))),
                };
                map.insert(key, convert(value)?);
            }
            Value::Object(map)
        }
        Yaml::Alias(_) => return Err(OpenApiError::Malformed("YAML aliases are not supported".into())),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn yaml_becomes_json() {
        let value = super::to_json(
            "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      responses:\n        '200': {description: ok}\n",
        )
        .unwrap();
        assert_eq!(value["paths"]["/a"]["get"]["responses"]["200"]["description"], "ok");
    }
}
