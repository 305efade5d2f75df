//! The arguments of a transformed tool: how its input schema is rewritten,
//! and how a call's arguments are mapped back to the original's names.

use super::TransformError;
use crate::protocol::jsonrpc::{RpcError, echoed};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What a [`ToolTransform`](super::ToolTransform) does to one argument:
/// rename it, describe it anew, give it a default, or hide it.
///
/// ```
/// use quickmcp::handler::ArgTransform;
/// use serde_json::json;
///
/// // Callers say `location`; the original still receives `city`, "Paris"
/// // when the caller leaves it out.
/// let city = ArgTransform::new().rename("location").describe("Where to look").default(json!("Paris"));
/// // Callers never see `units`: the original always receives "metric".
/// let units = ArgTransform::new().default(json!("metric")).hide();
/// # let _ = (city, units);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ArgTransform {
    rename: Option<String>,
    description: Option<String>,
    default: Option<Value>,
    hidden: bool,
}

// A `Default` impl would read as `ArgTransform::default()` beside the
// `default(value)` setter; `new()` is the one way to start.
#[allow(clippy::new_without_default)]
impl ArgTransform {
    /// Leaves the argument as it is, until a method below changes it.
    pub fn new() -> Self {
        Self { rename: None, description: None, default: None, hidden: false }
    }

    /// The name callers use instead; the original handler still receives
    /// the argument under its own name.
    #[must_use]
    pub fn rename(mut self, name: impl Into<String>) -> Self {
        self.rename = Some(name.into());
        self
    }

    /// A new `description` for the argument's schema.
    #[must_use]
    pub fn describe(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The value the original receives when a caller leaves the argument
    /// out: shown as the schema's `default`, and the argument is no longer
    /// `required`. With [`hide`](Self::hide), the fixed value it always
    /// receives.
    #[must_use]
    pub fn default(mut self, value: Value) -> Self {
        self.default = Some(value);
        self
    }

    /// Removes the argument from the schema: callers cannot send it (one
    /// that does gets `-32602`), and the original always receives the
    /// [`default`](Self::default) value, or nothing when there is none
    /// (allowed only for an argument that is not `required`). A rename or
    /// description of a hidden argument has no effect.
    #[must_use]
    pub fn hide(mut self) -> Self {
        self.hidden = true;
        self
    }
}

/// How a call's arguments become the original's: built once, when the
/// transform is applied.
#[derive(Debug, Default)]
pub(super) struct Mapping {
    /// The transformed tool's name, for error messages.
    tool: String,
    /// New name → original name, for visible arguments that were renamed.
    renamed: HashMap<String, String>,
    /// Values filled in (under the new names) when a caller leaves them out.
    defaults: Vec<(String, Value)>,
    /// Hidden arguments' fixed values, under the original names.
    fixed: Vec<(String, Value)>,
    /// Names a caller may not send: original names that were renamed (with
    /// the new name) or hidden (`None`), and are no visible name now.
    refused: HashMap<String, Option<String>>,
}

impl Mapping {
    /// Whether calls reach the original with their arguments unchanged.
    pub(super) fn is_identity(&self) -> bool {
        self.renamed.is_empty() && self.defaults.is_empty() && self.fixed.is_empty() && self.refused.is_empty()
    }

    /// The caller's arguments as a JSON object (absent or `null`: none),
    /// with the defaults filled in; a refused name is `-32602`.
    pub(super) fn incoming(&self, raw: Option<&RawValue>) -> Result<Map<String, Value>, RpcError> {
        let arguments = match raw.filter(|raw| raw.get() != "null") {
            None => Map::new(),
            Some(raw) => serde_json::from_str(raw.get())
                .map_err(|_| RpcError::invalid_params("arguments must be a JSON object"))?,
        };
        self.checked(arguments)
    }

    /// The arguments as the original names them: refused names are
    /// `-32602`, defaults are filled in, renamed arguments get their
    /// original names back and hidden ones their fixed values.
    pub(super) fn to_original(&self, arguments: Map<String, Value>) -> Result<Box<RawValue>, RpcError> {
        let arguments = self.checked(arguments)?;
        let mut original: Map<String, Value> = arguments
            .into_iter()
            .map(|(name, value)| match self.renamed.get(&name) {
                Some(own) => (own.clone(), value),
                None => (name, value),
            })
            .collect();
        for (name, value) in &self.fixed {
            original.insert(name.clone(), value.clone());
        }
        serde_json::value::to_raw_value(&original).map_err(RpcError::internal)
    }

    fn checked(&self, mut arguments: Map<String, Value>) -> Result<Map<String, Value>, RpcError> {
        if let Some((name, now)) = arguments.keys().find_map(|k| Some((k, self.refused.get(k)?))) {
            let name = echoed(name);
            return Err(RpcError::invalid_params(match now {
                Some(now) => format!("unknown argument `{name}` of tool `{}` (it is now `{now}`)", self.tool),
                None => format!("unknown argument `{name}` of tool `{}`", self.tool),
            }));
        }
        for (name, value) in &self.defaults {
            if !arguments.contains_key(name) {
                arguments.insert(name.clone(), value.clone());
            }
        }
        Ok(arguments)
    }
}

/// Rewrites `schema` (the input schema of tool `tool`, to be named
/// `new_tool`) for `transforms`, keyed by the original argument names, and
/// returns how calls map back. Everything the transforms do not name is
/// left as it was (`$defs`, `additionalProperties`, other keywords, and an
/// `x-mcp-header` annotation, which moves with its property).
pub(super) fn rewrite(
    schema: &mut Value,
    tool: &str,
    new_tool: &str,
    transforms: &[(String, ArgTransform)],
) -> Result<Mapping, TransformError> {
    let mut mapping = Mapping { tool: new_tool.to_owned(), ..Mapping::default() };
    if transforms.is_empty() {
        return Ok(mapping);
    }
    let of: HashMap<&str, &ArgTransform> = transforms.iter().map(|(name, t)| (name.as_str(), t)).collect();
    let required: Vec<String> = match schema.get("required").and_then(Value::as_array) {
        Some(names) => names.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        None => Vec::new(),
    };
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        let argument = transforms[0].0.clone();
        return Err(TransformError::UnknownArgument { tool: tool.to_owned(), argument });
    };
    if let Some((argument, _)) = transforms.iter().find(|(name, _)| !properties.contains_key(name)) {
        return Err(TransformError::UnknownArgument { tool: tool.to_owned(), argument: argument.clone() });
    }
    check_names(tool, properties, &of, &required)?;
    for (original, mut property) in std::mem::take(properties) {
        let Some(t) = of.get(original.as_str()) else {
            properties.insert(original, property);
            continue;
        };
        if t.hidden {
            if let Some(value) = &t.default {
                mapping.fixed.push((original.clone(), value.clone()));
            }
            mapping.refused.insert(original, None);
            continue;
        }
        let name = t.rename.clone().unwrap_or_else(|| original.clone());
        if let Some(description) = &t.description {
            set(&mut property, "description", Value::from(description.as_str()));
        }
        if let Some(value) = &t.default {
            set(&mut property, "default", value.clone());
            mapping.defaults.push((name.clone(), value.clone()));
        }
        if name != original {
            mapping.renamed.insert(name.clone(), original.clone());
            mapping.refused.insert(original, Some(name.clone()));
        }
        properties.insert(name, property);
    }
    // A name renamed away (or hidden) may be another argument's new name.
    mapping.refused.retain(|name, _| !properties.contains_key(name));
    let required: Vec<Value> = required
        .into_iter()
        .filter_map(|name| match of.get(name.as_str()) {
            None => Some(Value::from(name)),
            Some(t) if t.hidden || t.default.is_some() => None,
            Some(t) => Some(Value::from(t.rename.clone().unwrap_or(name))),
        })
        .collect();
    if let Some(fields) = schema.as_object_mut() {
        match required.is_empty() {
            true => fields.remove("required"),
            false => fields.insert("required".into(), required.into()),
        };
    }
    Ok(mapping)
}

/// The name errors: a hidden required argument without a value, an empty
/// new name, two arguments that would share a name.
fn check_names(
    tool: &str,
    properties: &Map<String, Value>,
    of: &HashMap<&str, &ArgTransform>,
    required: &[String],
) -> Result<(), TransformError> {
    let tool = || tool.to_owned();
    // New name → the original it belongs to.
    let mut visible: HashMap<&str, &str> = HashMap::new();
    for original in properties.keys() {
        let transform = of.get(original.as_str());
        if let Some(t) = transform.filter(|t| t.hidden) {
            if t.default.is_none() && required.contains(original) {
                return Err(TransformError::HiddenRequired { tool: tool(), argument: original.clone() });
            }
            continue;
        }
        let name = transform.and_then(|t| t.rename.as_deref()).unwrap_or(original);
        if name.is_empty() {
            let (argument, name) = (original.clone(), name.to_owned());
            return Err(TransformError::InvalidArgumentName { tool: tool(), argument, name });
        }
        let Some(other) = visible.insert(name, original) else { continue };
        let renamed = |argument: &str| argument != name;
        return Err(match (renamed(other), renamed(original)) {
            (true, true) => {
                let arguments = [other.to_owned(), original.clone()];
                TransformError::SameName { tool: tool(), name: name.to_owned(), arguments }
            }
            (true, false) => {
                TransformError::NameTaken { tool: tool(), argument: other.to_owned(), name: name.to_owned() }
            }
            _ => TransformError::NameTaken { tool: tool(), argument: original.clone(), name: name.to_owned() },
        });
    }
    Ok(())
}

/// Sets `key` in a property's schema (a `true` schema becomes an object).
fn set(property: &mut Value, key: &str, value: Value) {
    if *property == Value::Bool(true) {
        *property = Value::Object(Map::new());
    }
    if let Some(fields) = property.as_object_mut() {
        fields.insert(key.to_owned(), value);
    }
}
