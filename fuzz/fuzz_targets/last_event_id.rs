//! `Last-Event-ID` header values: parsing never panics, and an id that
//! parses prints back to one that parses to the same id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quickmcp::session::EventId;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(id) = text.parse::<EventId>() {
        assert_eq!(id.to_string().parse::<EventId>().ok(), Some(id));
    }
});
