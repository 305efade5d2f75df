//! `Mcp-Param-*` header values (literal or `=?base64?…?=`): decoding never
//! panics, and a decoded value encoded again decodes to itself.
#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use quickmcp_axum::decode_param_value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = decode_param_value(data) else { return };
    let encoded = format!("=?base64?{}?=", base64::engine::general_purpose::STANDARD.encode(text.as_bytes()));
    assert_eq!(decode_param_value(encoded.as_bytes()).as_deref(), Ok(&*text));
});
