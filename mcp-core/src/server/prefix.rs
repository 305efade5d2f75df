//! How a prefix renames what a mounted (local or remote) server offers:
//! tools and prompts become `prefix_name`, resources `scheme://prefix/path`.
//! An empty prefix keeps every name.

/// Whether `prefix` can prefix names and URIs: letters, digits, `-`, `_`.
pub(super) fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A mounted server's tool or prompt name as the parent lists it.
pub(super) fn name(prefix: &str, name: &str) -> String {
    match prefix {
        "" => name.to_owned(),
        prefix => format!("{prefix}_{name}"),
    }
}

/// The mounted server's own name for `name`, when it carries the prefix.
pub(super) fn own_name<'a>(prefix: &str, name: &'a str) -> Option<&'a str> {
    match prefix {
        "" => Some(name),
        prefix => name.strip_prefix(prefix)?.strip_prefix('_'),
    }
}

/// A mounted server's resource URI (or URI template) as the parent lists
/// it: `scheme://path` becomes `scheme://prefix/path`.
pub(super) fn uri(prefix: &str, uri: &str) -> String {
    match (prefix, uri.split_once("://")) {
        ("", _) => uri.to_owned(),
        (prefix, Some((scheme, path))) => format!("{scheme}://{prefix}/{path}"),
        (prefix, None) => format!("{prefix}/{uri}"),
    }
}

/// The mounted server's URI for a URI the parent received.
pub(super) fn own_uri(prefix: &str, uri: &str) -> Option<String> {
    match (prefix, uri.split_once("://")) {
        ("", _) => Some(uri.to_owned()),
        (prefix, Some((scheme, path))) => {
            let path = path.strip_prefix(prefix)?.strip_prefix('/')?;
            Some(format!("{scheme}://{path}"))
        }
        (prefix, None) => Some(uri.strip_prefix(prefix)?.strip_prefix('/')?.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_gain_and_lose_the_prefix() {
        assert_eq!(uri("weather", "weather://forecast/{city}"), "weather://weather/forecast/{city}");
        assert_eq!(own_uri("weather", "weather://weather/forecast/paris").as_deref(), Some("weather://forecast/paris"));
        assert_eq!(own_uri("weather", "weather://weatherx/forecast"), None);
        assert_eq!(own_uri("weather", "weather://forecast/paris"), None);
        assert_eq!(uri("weather", "notes"), "weather/notes");
        assert_eq!(own_uri("weather", "weather/notes").as_deref(), Some("notes"));
        assert_eq!(name("weather", "get_weather"), "weather_get_weather");
        assert_eq!(own_name("weather", "weather_get_weather"), Some("get_weather"));
        assert_eq!(
            (name("", "a"), uri("", "x://y"), own_uri("", "x://y")),
            ("a".into(), "x://y".into(), Some("x://y".into()))
        );
        assert!(valid_prefix("tx-2_a") && !valid_prefix("") && !valid_prefix("a/b"));
    }
}
