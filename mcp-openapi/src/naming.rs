//! Tool and resource names: from `operationId`, or from the method and the
//! path when there is none, then sanitised to what MCP allows in a tool
//! name (`A-Z a-z 0-9 _ - .`, at most 128 characters).

use http::Method;

/// The longest tool name MCP allows.
pub(crate) const MAX_NAME: usize = 128;

/// The default name of an operation: its `operationId`, else
/// `method_path_segments` (`GET /pets/{petId}` → `get_pets_petId`).
pub(crate) fn default_name(method: &Method, path: &str, operation_id: Option<&str>) -> String {
    match operation_id {
        Some(id) if !id.trim().is_empty() => sanitise(id),
        _ => {
            let segments = path.split('/').filter(|s| !s.is_empty()).map(|s| s.trim_matches(|c| c == '{' || c == '}'));
            let method = method.as_str().to_ascii_lowercase();
            let joined: Vec<&str> = std::iter::once(method.as_str()).chain(segments).collect();
            sanitise(&joined.join("_"))
        }
    }
}

/// `name` with every character MCP does not allow replaced by `_`, cut to
/// [`MAX_NAME`] characters; `operation` when nothing is left.
pub(crate) fn sanitise(name: &str) -> String {
    let clean: String = name
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '_' })
        .take(MAX_NAME)
        .collect();
    if clean.is_empty() { "operation".into() } else { clean }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(default_name(&Method::GET, "/pets/{petId}", Some("getPet ById!")), "getPet_ById_");
        assert_eq!(default_name(&Method::GET, "/pets/{petId}", None), "get_pets_petId");
        assert_eq!(default_name(&Method::POST, "/", Some(" ")), "post");
        assert_eq!(sanitise(&"x".repeat(200)).len(), MAX_NAME);
        assert_eq!(sanitise("??").as_str(), "__");
        assert_eq!(sanitise(""), "operation");
    }
}
