//! [`Payload`]: the bulky JSON a task keeps (its arguments, its result), as
//! text rather than a `serde_json::Value` tree, shared rather than copied.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use std::sync::Arc;

/// JSON a task keeps, held as its text (a `Value` tree takes many times
/// the bytes) behind an `Arc`: a copy of the task record shares it.
#[derive(Clone, PartialEq, Eq)]
pub struct Payload(Arc<str>);

impl Payload {
    /// The JSON `raw` holds, as sent.
    pub fn from_raw(raw: &RawValue) -> Self {
        Self(Arc::from(raw.get()))
    }

    /// `value`, serialized.
    pub fn to_json(value: &impl Serialize) -> Result<Self, serde_json::Error> {
        Ok(Self(Arc::from(serde_json::to_string(value)?)))
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        &self.0
    }

    /// Its size in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the text is empty (never, for a payload that was read or
    /// written as JSON).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The JSON as a raw value, without copying it.
    pub fn as_raw(&self) -> Option<&RawValue> {
        serde_json::from_str(&self.0).ok()
    }

    /// Whether `other` is this very text (not a copy of it).
    pub fn shares(&self, other: &Payload) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The JSON as a `Value` tree (a copy: for callers that need one).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Payload({} bytes)", self.0.len())
    }
}

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.as_raw() {
            Some(raw) => raw.serialize(serializer),
            None => serializer.serialize_unit(),
        }
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        Ok(Self(Arc::from(Box::<str>::from(raw))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_as_text_and_written_back_as_json() {
        let raw = RawValue::from_string(r#"{"a": [1, 2]}"#.to_owned()).unwrap();
        let payload = Payload::from_raw(&raw);
        assert_eq!(payload.len(), 13);
        let copy = payload.clone();
        assert!(payload.shares(&copy), "a copy shares the text");
        #[derive(Serialize, Deserialize)]
        struct Holder {
            p: Payload,
        }
        let text = serde_json::to_string(&Holder { p: payload }).unwrap();
        assert_eq!(text, r#"{"p":{"a": [1, 2]}}"#);
        let back: Holder = serde_json::from_str(&text).unwrap();
        assert_eq!(back.p.get(), r#"{"a": [1, 2]}"#);
    }
}
