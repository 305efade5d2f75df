//! The params of a 2026-07-28 request: the era's one-pass reading and its
//! checks never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quickmcp::era::StatelessRequest;
use serde_json::value::RawValue;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(params) = serde_json::from_str::<Box<RawValue>>(text) else { return };
    let _ = StatelessRequest::parse(Some("2026-07-28"), Some(&params));
    let _ = quickmcp::era::is_stateless_request(None, Some(&params));
});
