//! The media type of a skill's file, from its extension (and, for an
//! unknown one, whether it is text).

/// The media type of the file at `path` holding `bytes`.
pub(crate) fn guess(path: &str, bytes: &[u8]) -> &'static str {
    let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let known = match extension.as_str() {
        "md" | "markdown" => "text/markdown",
        "txt" => "text/plain",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "csv" => "text/csv",
        "js" | "mjs" => "text/javascript",
        "py" => "text/x-python",
        "sh" => "text/x-shellscript",
        "rs" => "text/x-rust",
        "json" => "application/json",
        "yaml" | "yml" => "application/yaml",
        "toml" => "application/toml",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        _ => "",
    };
    match known {
        "" if std::str::from_utf8(bytes).is_ok() => "text/plain",
        "" => "application/octet-stream",
        known => known,
    }
}

#[cfg(test)]
mod tests {
    use super::guess;

    #[test]
    fn by_extension_then_by_content() {
        assert_eq!(guess("SKILL.md", b""), "text/markdown");
        assert_eq!(guess("scripts/extract.PY", b""), "text/x-python");
        assert_eq!(guess("LICENSE", b"MIT"), "text/plain");
        assert_eq!(guess("data.bin", &[0xff, 0xfe]), "application/octet-stream");
    }
}
