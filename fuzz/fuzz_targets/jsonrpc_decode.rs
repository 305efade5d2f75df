//! Any bytes a client POSTs: decoding never panics, and what decodes
//! re-encodes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quickmcp::protocol::jsonrpc::{Message, encode_error};

fuzz_target!(|data: &[u8]| {
    match Message::decode(data) {
        Ok(_) => {}
        Err(e) => {
            let _ = encode_error(e.id.as_ref(), &e.error);
        }
    }
});
