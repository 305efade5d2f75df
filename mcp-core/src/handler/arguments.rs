use crate::protocol::jsonrpc::echoed;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// The `arguments` object of a call, split into one raw slice per key so each
/// argument is decoded straight from the request bytes.
///
/// The keys are sorted (a lookup is a binary search) and borrowed from the
/// request unless they hold escapes: a call decodes a handful of arguments,
/// and this is cheaper than a map of owned keys. The object is split
/// without a second serde pass: it is a `RawValue`, checked already.
#[derive(Debug, Default)]
pub struct Arguments<'a> {
    values: Vec<(Cow<'a, str>, &'a str)>,
}

impl<'a> Arguments<'a> {
    /// Splits `raw` (absent or `null` means no arguments).
    pub fn parse(raw: Option<&'a RawValue>) -> Result<Self, ArgError> {
        let Some(raw) = raw.filter(|r| r.get() != "null") else {
            return Ok(Self::default());
        };
        let mut values = Vec::with_capacity(4);
        let mut bad_key = false;
        let object = crate::members::for_each(raw.get(), |key, value| match crate::members::unescaped(key) {
            Some(key) => values.push((key, value)),
            None => bad_key = true,
        });
        if object.is_none() || bad_key {
            return Err(ArgError::new("arguments must be a JSON object"));
        }
        // A key given twice keeps its last value, as a JSON object reader would.
        values.sort_by(|a, b| a.0.cmp(&b.0));
        values.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 = later.1;
            }
            same
        });
        Ok(Self { values })
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        self.values.binary_search_by(|(key, _)| key.as_ref().cmp(name)).ok().map(|i| self.values[i].1)
    }

    /// Whether `name` was given (a `null` value counts as given).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Decodes argument `name`; absent arguments decode only into optional types.
    pub fn decode<T: DeserializeOwned>(&self, name: &str) -> Result<T, ArgError> {
        match self.get(name) {
            Some(raw) => serde_json::from_str(raw).map_err(|e| ArgError::new(invalid_argument(name, raw, &e))),
            None => crate::schema::from_missing::<T>()
                .map_err(|_| ArgError::new(format!("missing required argument `{name}`"))),
        }
    }

    /// Rejects keys outside `known` (schemas say `additionalProperties: false`).
    pub fn deny_unknown(&self, known: &[&str]) -> Result<(), ArgError> {
        match self.values.iter().map(|(key, _)| key).find(|k| !known.contains(&k.as_ref())) {
            Some(unknown) => Err(ArgError::new(format!("unknown argument `{}`", echoed(unknown)))),
            None => Ok(()),
        }
    }
}

/// What a model reads about a value that did not decode: the argument, the
/// type it expects and the kind of JSON it got, without serde's positions
/// (`at line 1 column 5`, meaningless to a model) and without echoing the
/// value (which may be large).
fn invalid_argument(name: &str, raw: &str, error: &serde_json::Error) -> String {
    let text = error.to_string();
    // serde_json appends the position to every message.
    let text = match text.rfind(" at line ") {
        Some(at) if text[at..].contains(" column ") => &text[..at],
        _ => text.as_str(),
    };
    let name = echoed(name);
    match text.split_once(", expected ") {
        // `invalid type: string "abc", expected u64`: what was got is ours to say.
        Some((got, expected)) if got.starts_with("invalid type") => {
            format!("invalid value for argument `{name}`: expected {}, got {}", echoed(expected), json_kind(raw))
        }
        Some((_, expected)) => format!("invalid value for argument `{name}`: expected {}", echoed(expected)),
        None => format!("invalid value for argument `{name}`: {}", echoed(text)),
    }
}

/// The kind of a JSON value, as a model would say it.
fn json_kind(raw: &str) -> &'static str {
    match raw.trim_start().as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// A handler parameter could not be filled: the call's arguments did not
/// fit (the client's mistake), or an extractor failed (the server's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgError {
    message: String,
    server_fault: bool,
}

impl ArgError {
    /// The arguments did not fit, as `message` explains.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), server_fault: false }
    }

    /// An extractor failed, as `message` explains: answered `-32603` in
    /// every kind of handler.
    pub fn server(message: impl Into<String>) -> Self {
        Self { message: message.into(), server_fault: true }
    }

    /// The JSON-RPC error for a handler that answers argument mistakes with
    /// `-32602` (resources, prompts).
    pub fn into_rpc(self) -> crate::protocol::jsonrpc::RpcError {
        if self.server_fault {
            crate::protocol::jsonrpc::RpcError::internal(self.message)
        } else {
            crate::protocol::jsonrpc::RpcError::invalid_params(self.message)
        }
    }

    /// The outcome of a tool call: argument mistakes are tool errors the
    /// model can correct (`isError: true`); server faults are `-32603`.
    pub fn into_tool_outcome(self) -> Result<crate::protocol::CallToolResult, crate::protocol::jsonrpc::RpcError> {
        if self.server_fault {
            Err(crate::protocol::jsonrpc::RpcError::internal(self.message))
        } else {
            Ok(crate::protocol::CallToolResult::error(self.message))
        }
    }
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ArgError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).unwrap()
    }

    #[test]
    fn decodes_and_names_the_argument_in_errors() {
        let r = raw(r#"{"city":"Paris","days":"x"}"#);
        let args = Arguments::parse(Some(&r)).unwrap();
        assert_eq!(args.decode::<String>("city").unwrap(), "Paris");
        assert!(args.decode::<u32>("days").unwrap_err().to_string().contains("argument `days`"));
        assert_eq!(args.decode::<Option<u32>>("missing").unwrap(), None);
        assert_eq!(args.decode::<u32>("n").unwrap_err().to_string(), "missing required argument `n`");
        assert_eq!(args.deny_unknown(&["city"]).unwrap_err().to_string(), "unknown argument `days`");
    }

    #[test]
    fn argument_errors_name_the_argument_and_the_type_without_positions_or_values() {
        let r = raw(
            r#"{"n":"abc","flag":1,"unit":"kelvin","big":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}"#,
        );
        let args = Arguments::parse(Some(&r)).unwrap();
        assert_eq!(
            args.decode::<u64>("n").unwrap_err().to_string(),
            "invalid value for argument `n`: expected u64, got a string"
        );
        assert_eq!(
            args.decode::<bool>("flag").unwrap_err().to_string(),
            "invalid value for argument `flag`: expected a boolean, got a number"
        );
        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum Unit {
            Celsius,
            Fahrenheit,
        }
        let unit = args.decode::<Unit>("unit").unwrap_err().to_string();
        assert_eq!(unit, "invalid value for argument `unit`: expected `celsius` or `fahrenheit`");
        let big = args.decode::<u8>("big").unwrap_err().to_string();
        assert!(!big.contains("line") && !big.contains("xxx"), "{big}");
        let long_key = format!(r#"{{"{}":1}}"#, "k".repeat(10_000));
        let r = raw(&long_key);
        let unknown = Arguments::parse(Some(&r)).unwrap().deny_unknown(&[]).unwrap_err().to_string();
        assert!(unknown.len() < 200, "{unknown}");
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_and_escaped_keys_are_read() {
        let r = raw(r#"{"b":1,"a":2,"b":3,"c\u0069ty":"Paris","b":4}"#);
        let args = Arguments::parse(Some(&r)).unwrap();
        assert_eq!(args.decode::<u32>("b").unwrap(), 4);
        assert_eq!(args.decode::<u32>("a").unwrap(), 2);
        assert_eq!(args.decode::<String>("city").unwrap(), "Paris");
        assert!(args.contains("a") && !args.contains("z"));
        assert!(args.deny_unknown(&["a", "b", "city"]).is_ok());
        assert_eq!(args.deny_unknown(&["b", "city"]).unwrap_err().to_string(), "unknown argument `a`");
    }

    #[test]
    fn rejects_non_objects() {
        let r = raw("[1]");
        assert!(Arguments::parse(Some(&r)).is_err());
        let r = raw(r#""text""#);
        assert!(Arguments::parse(Some(&r)).is_err());
        assert!(Arguments::parse(None).is_ok());
    }
}
