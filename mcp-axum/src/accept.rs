//! Content negotiation of the endpoint: what `Accept` and `Content-Type`
//! a request must carry.

use http::HeaderMap;
use http::header::{ACCEPT, CONTENT_TYPE};

/// Whether the `Accept` header admits `media` (`type/subtype`), directly or
/// through a wildcard.
pub fn accepts(headers: &HeaderMap, media: &str) -> bool {
    let (kind, _) = media.split_once('/').unwrap_or((media, ""));
    headers.get_all(ACCEPT).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|item| {
        let range = item.split(';').next().unwrap_or("").trim();
        range.eq_ignore_ascii_case(media)
            || range == "*/*"
            || range.strip_suffix("/*").is_some_and(|k| k.eq_ignore_ascii_case(kind))
    })
}

/// Whether the body is declared as JSON (`application/json`, any parameters).
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(accept: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, accept.parse().unwrap());
        headers
    }

    #[test]
    fn accept_ranges() {
        let both = h("application/json, text/event-stream");
        assert!(accepts(&both, "application/json") && accepts(&both, "text/event-stream"));
        assert!(accepts(&h("*/*"), "text/event-stream"));
        assert!(accepts(&h("text/*;q=0.5"), "text/event-stream"));
        assert!(!accepts(&h("text/html"), "application/json"));
        assert!(!accepts(&HeaderMap::new(), "application/json"));
    }
}
