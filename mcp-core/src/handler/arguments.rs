use crate::protocol::jsonrpc::echoed;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::fmt;

/// The `arguments` object of a call, split into one raw slice per key so each
/// argument is decoded straight from the request bytes.
#[derive(Debug, Default)]
pub struct Arguments<'a> {
    values: BTreeMap<String, &'a RawValue>,
}

impl<'a> Arguments<'a> {
    /// Splits `raw` (absent or `null` means no arguments).
    pub fn parse(raw: Option<&'a RawValue>) -> Result<Self, ArgError> {
        let Some(raw) = raw.filter(|r| r.get() != "null") else {
            return Ok(Self::default());
        };
        serde_json::from_str(raw.get())
            .map(|values| Self { values })
            .map_err(|_| ArgError::new("arguments must be a JSON object"))
    }

    /// Whether `name` was given (a `null` value counts as given).
    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// Decodes argument `name`; absent arguments decode only into optional types.
    pub fn decode<T: DeserializeOwned>(&self, name: &str) -> Result<T, ArgError> {
        match self.values.get(name) {
            Some(raw) => serde_json::from_str(raw.get())
                .map_err(|e| ArgError::new(format!("invalid value for argument `{name}`: {}", echoed(&e.to_string())))),
            None => crate::schema::from_missing::<T>()
                .map_err(|_| ArgError::new(format!("missing required argument `{name}`"))),
        }
    }

    /// Rejects keys outside `known` (schemas say `additionalProperties: false`).
    pub fn deny_unknown(&self, known: &[&str]) -> Result<(), ArgError> {
        match self.values.keys().find(|k| !known.contains(&k.as_str())) {
            Some(unknown) => Err(ArgError::new(format!("unknown argument `{}`", echoed(unknown)))),
            None => Ok(()),
        }
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
    fn rejects_non_objects() {
        let r = raw("[1]");
        assert!(Arguments::parse(Some(&r)).is_err());
        assert!(Arguments::parse(None).is_ok());
    }
}
