//! A skill as declared: its `SKILL.md` (written out, or generated from a
//! name, a description and instructions) and its other files.

use super::SkillError;
use super::frontmatter;
use serde_json::Value;

/// One skill: a `SKILL.md` and the files beside it. Nothing is checked
/// until it is added to [`Skills`](super::Skills).
///
/// Declared in code:
///
/// ```
/// use quickmcp::skills::Skill;
///
/// let skill = Skill::new("pdf-processing", "Extract text and tables from PDF files, fill PDF forms")
///     .metadata("version", "1.2")
///     .instructions("# PDF processing\n\nFor forms, read [FORMS.md](references/FORMS.md).\n")
///     .file("references/FORMS.md", "# Filling forms\n\nList the fields first.\n");
/// assert_eq!(skill.name(), "pdf-processing");
/// ```
///
/// Or from a `SKILL.md` written out (see also [`Skill::from_dir`]):
///
/// ```
/// use quickmcp::skills::Skill;
///
/// let skill = Skill::from_skill_md("---\nname: git-workflow\ndescription: Our Git conventions\n---\n# Git\n")?;
/// assert_eq!(skill.name(), "git-workflow");
/// # Ok::<(), quickmcp::skills::SkillError>(())
/// ```
#[derive(Clone)]
pub struct Skill {
    pub(super) name: String,
    source: Source,
    pub(super) files: Vec<(String, Vec<u8>)>,
}

#[derive(Debug, Clone)]
enum Source {
    /// `SKILL.md` as written.
    Written(Vec<u8>),
    /// `SKILL.md` to generate.
    Generated { description: String, metadata: Vec<(String, String)>, instructions: String },
}

impl Skill {
    /// A skill named `name` (the Agent Skills rules: lowercase letters,
    /// digits and single hyphens, at most 64) whose `SKILL.md` is generated
    /// with this `description`: say what it does and when to use it.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        let source =
            Source::Generated { description: description.into(), metadata: Vec::new(), instructions: String::new() };
        Self { name: name.into(), source, files: Vec::new() }
    }

    /// A skill whose `SKILL.md` is `skill_md`, named by its frontmatter's
    /// `name`; fails when that frontmatter cannot be read.
    pub fn from_skill_md(skill_md: impl Into<Vec<u8>>) -> Result<Self, SkillError> {
        let bytes = skill_md.into();
        let text = std::str::from_utf8(&bytes).map_err(|_| SkillError::new("SKILL.md", "SKILL.md is not UTF-8"))?;
        let frontmatter = frontmatter::parse(text).map_err(|e| SkillError::new("SKILL.md", e))?;
        let Some(Value::String(name)) = frontmatter.get("name") else {
            return Err(SkillError::new("SKILL.md", "the frontmatter has no `name` string"));
        };
        Ok(Self { name: name.clone(), source: Source::Written(bytes), files: Vec::new() })
    }

    /// A skill whose `SKILL.md` was read from the directory called `name`.
    pub(super) fn written(name: String, skill_md: Vec<u8>) -> Self {
        Self { name, source: Source::Written(skill_md), files: Vec::new() }
    }

    /// The markdown body of the generated `SKILL.md`: the instructions an
    /// agent reads when it loads the skill. Relative links (`references/X.md`)
    /// point at the skill's other files. Ignored by a skill whose `SKILL.md`
    /// was written out.
    #[must_use]
    pub fn instructions(mut self, markdown: impl Into<String>) -> Self {
        if let Source::Generated { instructions, .. } = &mut self.source {
            *instructions = markdown.into();
        }
        self
    }

    /// An entry of the generated frontmatter's `metadata` map. Ignored by a
    /// skill whose `SKILL.md` was written out.
    #[must_use]
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        if let Source::Generated { metadata, .. } = &mut self.source {
            metadata.push((key.into(), value.into()));
        }
        self
    }

    /// Adds the file at `path` within the skill (`/`-separated, relative:
    /// `references/FORMS.md`), text or bytes.
    #[must_use]
    pub fn file(mut self, path: impl Into<String>, contents: impl Into<Vec<u8>>) -> Self {
        self.files.push((path.into(), contents.into()));
        self
    }

    /// The skill's name: the last segment of its URI.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The bytes of its `SKILL.md`.
    pub(super) fn skill_md(&self) -> Vec<u8> {
        match &self.source {
            Source::Written(bytes) => bytes.clone(),
            Source::Generated { description, metadata, instructions } => {
                generate(&self.name, description, metadata, instructions).into_bytes()
            }
        }
    }
}

impl std::fmt::Debug for Skill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let files: Vec<&str> = self.files.iter().map(|(path, _)| path.as_str()).collect();
        f.debug_struct("Skill").field("name", &self.name).field("files", &files).finish_non_exhaustive()
    }
}

/// A `SKILL.md` whose frontmatter holds `name`, `description` and
/// `metadata`: strings quoted as JSON, which YAML reads back unchanged.
fn generate(name: &str, description: &str, metadata: &[(String, String)], instructions: &str) -> String {
    let quoted = |s: &str| Value::from(s).to_string();
    let mut text = format!("---\nname: {}\ndescription: {}\n", quoted(name), quoted(description));
    if !metadata.is_empty() {
        text.push_str("metadata:\n");
        for (key, value) in metadata {
            text.push_str(&format!("  {}: {}\n", quoted(key), quoted(value)));
        }
    }
    text.push_str("---\n");
    if !instructions.is_empty() {
        text.push('\n');
        text.push_str(instructions);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn generated_frontmatter_reads_back_unchanged() {
        let description = "Say \"hi\": #1 — it's: [not] {yaml}\nsecond line";
        let skill = Skill::new("greeter", description).metadata("io.example/x", "1.0").instructions("# Hi\n");
        let text = String::from_utf8(skill.skill_md()).unwrap();
        assert!(text.ends_with("---\n\n# Hi\n"), "{text}");
        assert_eq!(
            Value::Object(frontmatter::parse(&text).unwrap()),
            json!({"name": "greeter", "description": description, "metadata": {"io.example/x": "1.0"}})
        );
    }

    #[test]
    fn a_written_skill_md_names_the_skill() {
        let skill = Skill::from_skill_md("---\nname: x\ndescription: y\n---\n").unwrap().instructions("ignored");
        assert_eq!(skill.name(), "x");
        assert_eq!(skill.skill_md(), b"---\nname: x\ndescription: y\n---\n");
        assert!(Skill::from_skill_md("---\ndescription: y\n---\n").is_err());
        assert!(Skill::from_skill_md(vec![0xff, 0xfe]).is_err());
    }
}
