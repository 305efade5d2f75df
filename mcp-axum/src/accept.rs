//! Content negotiation of the endpoint: what `Accept` and `Content-Type`
//! a request must carry.
//!
//! Every POST passes through here, so the header values are read as bytes
//! in one pass (no UTF-8 validation, no `str` splitting): media types are
//! ASCII, and a value with other bytes simply admits nothing it spells.

use http::HeaderMap;
use http::header::{ACCEPT, CONTENT_TYPE};

/// The `Accept` value clients send with a POST, and the types it admits.
const USUAL_ACCEPT: &str = "application/json, text/event-stream";
const USUAL_TYPES: [&str; 2] = ["application/json", "text/event-stream"];

/// Whether the `Accept` header admits `media` (`type/subtype`), directly or
/// through a wildcard.
pub fn accepts(headers: &HeaderMap, media: &str) -> bool {
    accepts_all(headers, &[media])
}

/// Whether the `Accept` header admits every one of `media` (each
/// `type/subtype`), reading the header once.
pub fn accepts_all(headers: &HeaderMap, media: &[&str]) -> bool {
    // What the official SDKs send on every POST: matched whole, it admits
    // both of its types without the header being taken apart.
    if headers.get(ACCEPT).is_some_and(|v| v.as_bytes() == USUAL_ACCEPT.as_bytes())
        && media.iter().all(|m| USUAL_TYPES.contains(m))
    {
        return true;
    }
    // One bit per entry of `media` (more than 8 are never asked for).
    let wanted: u8 = if media.len() >= 8 { u8::MAX } else { (1u8 << media.len()) - 1 };
    let mut admitted = 0u8;
    for value in headers.get_all(ACCEPT) {
        for item in value.as_bytes().split(|b| *b == b',') {
            let range = media_type(item);
            for (i, media) in media.iter().take(8).enumerate() {
                if admits(range, media.as_bytes()) {
                    admitted |= 1 << i;
                }
            }
            if admitted == wanted {
                return true;
            }
        }
    }
    false
}

/// Whether the media range `range` (no parameters) admits `media`.
fn admits(range: &[u8], media: &[u8]) -> bool {
    if range.eq_ignore_ascii_case(media) || range == b"*/*" {
        return true;
    }
    let kind = media.split(|b| *b == b'/').next().unwrap_or(media);
    range.strip_suffix(b"/*").is_some_and(|k| k.eq_ignore_ascii_case(kind))
}

/// The media type of one header item: before any `;`, without the spaces
/// around it.
fn media_type(item: &[u8]) -> &[u8] {
    let end = item.iter().position(|b| *b == b';').unwrap_or(item.len());
    item[..end].trim_ascii()
}

/// Whether the body is declared as JSON (`application/json`, any parameters).
pub fn is_json(headers: &HeaderMap) -> bool {
    headers.get(CONTENT_TYPE).is_some_and(|v| media_type(v.as_bytes()).eq_ignore_ascii_case(b"application/json"))
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
        assert!(accepts_all(&both, &["application/json", "text/event-stream"]));
        assert!(!accepts(&both, "text/html") && !accepts_all(&both, &["application/json", "text/html"]));
        assert!(accepts(&h("*/*"), "text/event-stream"));
        assert!(accepts(&h("text/*;q=0.5"), "text/event-stream"));
        assert!(accepts(&h(" Application/JSON ; q=1 ,text/event-stream"), "application/json"));
        assert!(!accepts(&h("text/html"), "application/json"));
        assert!(!accepts(&h("application/jsonx"), "application/json"));
        assert!(!accepts(&HeaderMap::new(), "application/json"));
        assert!(!accepts_all(&h("application/json"), &["application/json", "text/event-stream"]));
    }

    #[test]
    fn accept_over_several_header_lines() {
        let mut headers = h("application/json");
        headers.append(ACCEPT, "text/event-stream".parse().unwrap());
        assert!(accepts_all(&headers, &["application/json", "text/event-stream"]));
    }

    #[test]
    fn content_type() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, "application/json; charset=utf-8".parse().unwrap());
        assert!(is_json(&headers));
        headers.insert(CONTENT_TYPE, "application/json-seq".parse().unwrap());
        assert!(!is_json(&headers));
        assert!(!is_json(&HeaderMap::new()));
    }
}
