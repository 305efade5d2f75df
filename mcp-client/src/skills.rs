//! Skills (the `io.modelcontextprotocol/skills` extension, SEP-2640) as a
//! client sees them: the entries of `skills/list` and `skills/get`, and the
//! checks a file read must pass before anyone uses it: its size and SHA-256
//! digest against the entry's, and for `SKILL.md` its frontmatter against
//! the entry's, field by field.
//!
//! Listing reads no file: a skill's files are read when asked for
//! ([`Client::load_skill`](crate::Client::load_skill),
//! [`Client::read_skill_file`](crate::Client::read_skill_file)), never ahead.

use crate::error::ClientError;
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The extension's identifier.
pub use quickmcp::skills::EXTENSION;

/// One skill as the server describes it: the URI of its `SKILL.md`, its
/// frontmatter and every file with its digest and size.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct SkillEntry {
    /// The URI of the skill's `SKILL.md` (`skill://<name>/SKILL.md`).
    pub uri: String,
    /// The `SKILL.md` frontmatter as JSON (`name`, `description`, …).
    pub frontmatter: Map<String, Value>,
    /// Every file of the skill.
    pub resources: Vec<SkillFile>,
}

/// One file of a skill, as its entry lists it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct SkillFile {
    /// The file's resource URI.
    pub uri: String,
    /// `sha256:` and 64 lowercase hex digits of its bytes.
    pub digest: String,
    /// Its length in bytes.
    pub size: u64,
}

impl SkillEntry {
    /// The skill's name (from its frontmatter).
    pub fn name(&self) -> Option<&str> {
        self.frontmatter.get("name").and_then(Value::as_str)
    }

    /// What the skill is for (from its frontmatter).
    pub fn description(&self) -> Option<&str> {
        self.frontmatter.get("description").and_then(Value::as_str)
    }

    /// The entry of file `uri`.
    pub fn file(&self, uri: &str) -> Option<&SkillFile> {
        self.resources.iter().find(|f| f.uri == uri)
    }
}

/// Fails unless `bytes` are the file `file` lists: its size first, then its
/// digest.
pub(crate) fn verify_file(file: &SkillFile, bytes: &[u8]) -> Result<(), ClientError> {
    let failed = |why: String| Err(ClientError::Protocol(format!("skill file {} fails verification: {why}", file.uri)));
    if bytes.len() as u64 != file.size {
        return failed(format!("{} bytes read, the entry says {}", bytes.len(), file.size));
    }
    let Some(expected) = file.digest.strip_prefix("sha256:") else {
        return failed(format!("its digest {:?} is not sha256", file.digest));
    };
    let actual: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    if !actual.eq_ignore_ascii_case(expected) {
        return failed(format!("its digest is sha256:{actual}, the entry says {}", file.digest));
    }
    Ok(())
}

/// Fails unless the frontmatter of `skill_md` equals the entry's, field by
/// field.
pub(crate) fn verify_frontmatter(entry: &SkillEntry, skill_md: &str) -> Result<(), ClientError> {
    let failed = |why: String| Err(ClientError::Protocol(format!("skill {} fails verification: {why}", entry.uri)));
    let read = match quickmcp::skills::parse_frontmatter(skill_md) {
        Ok(read) => read,
        Err(why) => return failed(why),
    };
    let fields = read.keys().chain(entry.frontmatter.keys());
    if let Some(field) = fields.into_iter().find(|k| read.get(*k) != entry.frontmatter.get(*k)) {
        return failed(format!(
            "its SKILL.md says {field} is {:?}, the entry says {:?}",
            read.get(field),
            entry.frontmatter.get(field)
        ));
    }
    Ok(())
}

/// The bytes of a `resources/read` result's first content (text or base64
/// blob).
pub(crate) fn content_bytes(contents: &[Value], uri: &str) -> Result<Vec<u8>, ClientError> {
    use base64::Engine as _;
    let content = contents.first().ok_or_else(|| ClientError::Protocol(format!("{uri} was read with no contents")))?;
    if let Some(text) = content.get("text").and_then(Value::as_str) {
        return Ok(text.as_bytes().to_vec());
    }
    let blob = content.get("blob").and_then(Value::as_str).unwrap_or_default();
    base64::engine::general_purpose::STANDARD
        .decode(blob)
        .map_err(|e| ClientError::Protocol(format!("{uri} was read with neither text nor a base64 blob: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SKILL_MD: &str = "---\nname: pdf\ndescription: Read PDFs\n---\nBody.\n";

    fn entry() -> SkillEntry {
        let digest: String = Sha256::digest(SKILL_MD).iter().map(|b| format!("{b:02x}")).collect();
        serde_json::from_value(json!({
            "uri": "skill://pdf/SKILL.md",
            "frontmatter": {"name": "pdf", "description": "Read PDFs"},
            "resources": [{"uri": "skill://pdf/SKILL.md", "digest": format!("sha256:{digest}"), "size": SKILL_MD.len()}],
        }))
        .unwrap()
    }

    #[test]
    fn a_file_passes_only_with_its_size_and_digest() {
        let entry = entry();
        let file = entry.file(&entry.uri).unwrap();
        assert!(verify_file(file, SKILL_MD.as_bytes()).is_ok());
        assert!(verify_file(file, SKILL_MD.replace("Body", "Evil").as_bytes()).is_err(), "same size, other digest");
        assert!(verify_file(file, format!("{SKILL_MD}more").as_bytes()).is_err(), "other size");
    }

    #[test]
    fn the_frontmatter_must_match_field_by_field() {
        let entry = entry();
        assert!(verify_frontmatter(&entry, SKILL_MD).is_ok());
        assert!(verify_frontmatter(&entry, &SKILL_MD.replace("Read PDFs", "Exfiltrate")).is_err());
        assert!(verify_frontmatter(&entry, &SKILL_MD.replace("---\nBody", "license: MIT\n---\nBody")).is_err());
        assert!(verify_frontmatter(&entry, "no frontmatter").is_err());
    }
}
