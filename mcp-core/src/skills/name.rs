//! What a skill's name and its files' paths may be, and how a path
//! becomes part of a URI.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Longest skill name (Agent Skills).
const MAX_NAME: usize = 64;
/// Longest path of a file within a skill.
const MAX_PATH: usize = 1024;

/// Bytes a path segment of a URI cannot hold as they are: all but RFC
/// 3986's `pchar` (unreserved, sub-delims, `:` and `@`).
const NOT_PCHAR: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Checks the Agent Skills naming rules: 1 to 64 characters, lowercase
/// ASCII letters, digits and hyphens, no hyphen first, last or twice in a row.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    let allowed = name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if name.is_empty() || name.len() > MAX_NAME || !allowed {
        return Err(format!("the name {name:?} must be 1 to {MAX_NAME} lowercase letters, digits and hyphens"));
    }
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        return Err(format!("the name {name:?} may not start or end with a hyphen, or hold two in a row"));
    }
    Ok(())
}

/// Checks a file's path within its skill (`references/FORMS.md`) and
/// returns it as it appears in URIs, each segment percent-encoded.
/// Absolute paths, `.` and `..` segments, backslashes and empty segments
/// are refused: a path names a file inside the skill and nothing else.
pub(crate) fn uri_path(path: &str) -> Result<String, String> {
    if path.is_empty() || path.len() > MAX_PATH {
        return Err(format!("file paths are 1 to {MAX_PATH} bytes long: {path:?}"));
    }
    if path.contains('\\') || path.chars().any(char::is_control) {
        return Err(format!("the path {path:?} holds a backslash or a control character"));
    }
    let segments: Vec<&str> = path.split('/').collect();
    if segments.iter().any(|s| s.is_empty() || *s == "." || *s == "..") {
        return Err(format!("the path {path:?} must be relative, without empty, `.` or `..` segments"));
    }
    let encoded: Vec<String> = segments.iter().map(|s| utf8_percent_encode(s, NOT_PCHAR).to_string()).collect();
    Ok(encoded.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_agent_skills_rules() {
        for good in ["pdf-processing", "a", "x1", &"a".repeat(64)] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "PDF", "pdf_processing", "-pdf", "pdf-", "pdf--x", "pdf x", "é", &"a".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_stay_inside_the_skill() {
        assert_eq!(uri_path("references/FORMS.md").unwrap(), "references/FORMS.md");
        assert_eq!(uri_path("notes/a b#1?.md").unwrap(), "notes/a%20b%231%3F.md");
        assert_eq!(uri_path("café.md").unwrap(), "caf%C3%A9.md");
        assert_eq!(uri_path("x@y:z(1).md").unwrap(), "x@y:z(1).md");
        for bad in ["", "/etc/passwd", "../secret", "a/../b", "a//b", "./a", "a/", "a\\b", "a\nb"] {
            assert!(uri_path(bad).is_err(), "{bad:?}");
        }
    }
}
