//! A checked skill, as served: its frontmatter, and each file with its URI,
//! media type, SHA-256 digest and size; the skill entry of `skills/list`
//! and `skills/get`, and the resources that serve the files.

use super::{MAX_FILES, MAX_TOTAL_SIZE, SCHEME, SKILL_MD, Skill, SkillError, frontmatter, mime, name};
use crate::handler::ResourceDef;
use crate::protocol::{Resource, ResourceContents};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Longest `description` (Agent Skills).
const MAX_DESCRIPTION: usize = 1024;
/// The `metadata` key prefix reserved for MCP extensions.
const RESERVED_METADATA: &str = "io.modelcontextprotocol/";

/// A skill that passed every check.
#[derive(Debug)]
pub(crate) struct Manifest {
    /// `skill://<name>/SKILL.md`.
    pub(crate) uri: String,
    /// `skill://<name>`, the skill's root directory.
    pub(crate) root: String,
    pub(crate) name: String,
    pub(crate) frontmatter: Map<String, Value>,
    /// `SKILL.md` first, then the others by path.
    pub(crate) files: Vec<File>,
}

/// One file of a skill.
#[derive(Debug)]
pub(crate) struct File {
    /// Its path within the skill as it appears in URIs (percent-encoded).
    pub(crate) path: String,
    pub(crate) uri: String,
    pub(crate) mime: &'static str,
    pub(crate) size: u64,
    /// `sha256:` and 64 lowercase hex digits.
    pub(crate) digest: String,
    bytes: Arc<[u8]>,
}

impl Manifest {
    /// Checks `skill`: its frontmatter (readable, `name` equal to the
    /// skill's and valid, `description` present, `metadata` a map without
    /// reserved keys), its paths, and the limits of the extension.
    pub(crate) fn compile(skill: &Skill) -> Result<Self, SkillError> {
        let fail = |message: String| SkillError::new(&skill.name, message);
        name::check_name(&skill.name).map_err(fail)?;
        let skill_md = skill.skill_md();
        let text = std::str::from_utf8(&skill_md).map_err(|_| fail("SKILL.md is not UTF-8".into()))?;
        let frontmatter = frontmatter::parse(text).map_err(fail)?;
        check_frontmatter(&skill.name, &frontmatter).map_err(fail)?;
        let root = format!("{SCHEME}{}", skill.name);
        let mut files = vec![File::new(&root, SKILL_MD.to_owned(), skill_md)];
        let mut others = Vec::with_capacity(skill.files.len());
        for (path, bytes) in &skill.files {
            let path = name::uri_path(path).map_err(fail)?;
            others.push(File::new(&root, path, bytes.clone()));
        }
        others.sort_by(|a, b| a.path.cmp(&b.path));
        files.extend(others);
        check_files(&files).map_err(fail)?;
        Ok(Self { uri: format!("{root}/{SKILL_MD}"), root, name: skill.name.clone(), frontmatter, files })
    }

    /// The skill entry: URI, frontmatter and the manifest of its files.
    pub(crate) fn entry(&self) -> Value {
        let resources: Vec<Value> =
            self.files.iter().map(|f| json!({ "uri": f.uri, "digest": f.digest, "size": f.size })).collect();
        json!({ "uri": self.uri, "frontmatter": self.frontmatter, "resources": resources })
    }

    /// How `resources/list` describes `file`: `SKILL.md` named and
    /// described from the frontmatter, the others by their path.
    pub(crate) fn describe(&self, file: &File) -> Resource {
        let is_skill_md = file.path == SKILL_MD;
        let description = self.frontmatter.get("description").and_then(Value::as_str).map(str::to_owned);
        Resource {
            uri: file.uri.clone(),
            name: if is_skill_md { self.name.clone() } else { file.path.clone() },
            title: None,
            description: if is_skill_md { description } else { None },
            mime_type: Some(file.mime.to_owned()),
            size: Some(file.size),
            annotations: None,
            icons: None,
            meta: None,
        }
    }

    /// A fixed resource for each file, serving its bytes: as text when they
    /// are UTF-8, else as a base64 blob.
    pub(crate) fn resources(&self) -> Vec<ResourceDef> {
        self.files
            .iter()
            .map(|file| {
                let contents = match std::str::from_utf8(&file.bytes) {
                    Ok(text) => ResourceContents::text(&file.uri, text),
                    Err(_) => ResourceContents::blob(&file.uri, &file.bytes),
                };
                let contents = Arc::new(contents.with_mime_type(file.mime));
                ResourceDef::fixed(self.describe(file), move |_, _| {
                    let contents = ResourceContents::clone(&contents);
                    async move { Ok(vec![contents]) }
                })
            })
            .collect()
    }
}

impl File {
    fn new(root: &str, path: String, bytes: Vec<u8>) -> Self {
        let digest = Sha256::digest(&bytes).iter().fold(String::from("sha256:"), |mut hex, byte| {
            hex.push_str(&format!("{byte:02x}"));
            hex
        });
        Self {
            uri: format!("{root}/{path}"),
            mime: mime::guess(&path, &bytes),
            size: bytes.len() as u64,
            digest,
            path,
            bytes: bytes.into(),
        }
    }
}

fn check_frontmatter(name: &str, frontmatter: &Map<String, Value>) -> Result<(), String> {
    match frontmatter.get("name") {
        Some(Value::String(declared)) if declared == name => {}
        Some(Value::String(declared)) => {
            return Err(format!("SKILL.md's name is {declared:?}, but the skill (its directory) is {name:?}"));
        }
        _ => return Err("SKILL.md's frontmatter has no `name` string".into()),
    }
    match frontmatter.get("description") {
        Some(Value::String(d)) if !d.trim().is_empty() && d.chars().count() <= MAX_DESCRIPTION => {}
        _ => {
            return Err(format!(
                "SKILL.md's frontmatter needs a `description` string of 1 to {MAX_DESCRIPTION} characters"
            ));
        }
    }
    match frontmatter.get("metadata") {
        None => Ok(()),
        Some(Value::Object(metadata)) => match metadata.keys().find(|k| k.starts_with(RESERVED_METADATA)) {
            Some(key) => Err(format!("the metadata key {key:?} uses the prefix reserved for MCP extensions")),
            None => Ok(()),
        },
        Some(_) => Err("SKILL.md's `metadata` must be a map".into()),
    }
}

fn check_files(files: &[File]) -> Result<(), String> {
    if files.len() > MAX_FILES {
        return Err(format!("{} files, more than the {MAX_FILES} a skill may hold", files.len()));
    }
    let total: u64 = files.iter().map(|f| f.size).sum();
    if total > MAX_TOTAL_SIZE {
        return Err(format!("{total} bytes, more than the {MAX_TOTAL_SIZE} a skill may hold"));
    }
    // `SKILL.md` is first and the rest sorted, so a path twice sits next to itself.
    let mut paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    paths[1..].sort_unstable();
    let repeated = paths.windows(2).find(|pair| pair[0] == pair[1]).map(|pair| pair[0]);
    if let Some(path) = repeated.or_else(|| paths[1..].iter().copied().find(|p| *p == SKILL_MD)) {
        return Err(format!("the file {path:?} is given twice"));
    }
    // A file cannot also be a directory of other files.
    if let Some(path) =
        paths.iter().find(|p| paths.iter().any(|q| q.strip_prefix(**p).is_some_and(|r| r.starts_with('/'))))
    {
        return Err(format!("{path:?} is both a file and a directory"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(skill: Skill) -> Result<Manifest, String> {
        Manifest::compile(&skill).map_err(|e| e.to_string())
    }

    #[test]
    fn entries_list_every_file_with_its_digest() {
        let manifest =
            compile(Skill::new("pdf", "Reads PDFs").file("references/B.md", "b").file("a.bin", vec![0, 159])).unwrap();
        let entry = manifest.entry();
        assert_eq!(entry["uri"], "skill://pdf/SKILL.md");
        assert_eq!(entry["frontmatter"], json!({"name": "pdf", "description": "Reads PDFs"}));
        let uris: Vec<&str> =
            entry["resources"].as_array().unwrap().iter().map(|r| r["uri"].as_str().unwrap()).collect();
        assert_eq!(uris, ["skill://pdf/SKILL.md", "skill://pdf/a.bin", "skill://pdf/references/B.md"]);
        // sha256("b")
        let b = &entry["resources"][2];
        assert_eq!(b["digest"], "sha256:3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d");
        assert_eq!(b["size"], 1);
        assert_eq!(entry["resources"][0]["size"], manifest.files[0].bytes.len());
        let described = manifest.describe(&manifest.files[0]);
        assert_eq!((described.name.as_str(), described.mime_type.as_deref()), ("pdf", Some("text/markdown")));
        assert_eq!(described.description.as_deref(), Some("Reads PDFs"));
        assert_eq!(manifest.describe(&manifest.files[1]).mime_type.as_deref(), Some("application/octet-stream"));
    }

    #[test]
    fn broken_rules_are_named() {
        let cases = [
            (Skill::new("Bad_Name", "x"), "lowercase letters"),
            (Skill::new("x", " "), "`description`"),
            (Skill::new("x", "d".repeat(1025)), "`description`"),
            (Skill::new("x", "y").metadata("io.modelcontextprotocol/z", "1"), "reserved"),
            (Skill::new("x", "y").file("../escape", "z"), "relative"),
            (Skill::new("x", "y").file("a", "1").file("a", "2"), "given twice"),
            (Skill::new("x", "y").file("SKILL.md", "again"), "given twice"),
            (Skill::new("x", "y").file("a", "1").file("a/b", "2"), "both a file and a directory"),
            (Skill::from_skill_md("---\nname: x\ndescription: y\nmetadata: 3\n---\n").unwrap(), "must be a map"),
            (Skill::written("y".into(), b"---\nname: x\ndescription: y\n---\n".to_vec()), "but the skill"),
        ];
        for (skill, expected) in cases {
            let error = compile(skill).unwrap_err();
            assert!(error.contains(expected), "{error}");
        }
    }

    #[test]
    fn limits_are_enforced() {
        let many = (0..MAX_FILES).fold(Skill::new("x", "y"), |s, i| s.file(format!("f{i}"), ""));
        assert!(compile(many).unwrap_err().contains("more than the 512"));
        let exactly = (1..MAX_FILES).fold(Skill::new("x", "y"), |s, i| s.file(format!("f{i}"), ""));
        assert!(compile(exactly).is_ok());
        let big = Skill::new("x", "y").file("big", vec![b'a'; MAX_TOTAL_SIZE as usize]);
        assert!(compile(big).unwrap_err().contains("bytes, more than"));
    }
}
