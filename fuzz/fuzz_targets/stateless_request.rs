//! The params of a 2026-07-28 request: the era's one-pass reading and its
//! checks never panic, and the members it finds are the ones serde reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quickmcp::era::StatelessRequest;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(params) = serde_json::from_str::<Box<RawValue>>(text) else { return };
    let request = StatelessRequest::parse(Some("2026-07-28"), Some(&params));
    if let (Ok(request), Ok(object)) = (request, serde_json::from_str::<Map<String, Value>>(text)) {
        let arguments = object.get("arguments").filter(|v| !v.is_null()).cloned();
        let read = request.arguments.map(|raw| serde_json::from_str::<Value>(raw.get()).unwrap());
        assert_eq!(read, arguments);
        assert_eq!(request.name.as_deref(), object.get("name").and_then(Value::as_str));
    }
    let _ = quickmcp::era::is_stateless_request(None, Some(&params));
});
