//! The skills extension (SEP-2640, `io.modelcontextprotocol/skills`):
//! serving [Agent Skills](https://agentskills.io/specification) over MCP.
//!
//! A skill is a directory holding a `SKILL.md` (YAML frontmatter with at
//! least `name` and `description`, then markdown instructions) and any
//! supporting files (`references/FORMS.md`, `scripts/extract.py`, …).
//! Declare skills in code ([`Skill::new`], [`Skill::from_skill_md`]) or load
//! them from disk ([`Skills::from_dir`], [`Skill::from_dir`]), and give them
//! to [`ServerBuilder::skills`](crate::server::ServerBuilder::skills). The server
//! then:
//!
//! - declares the extension (with `directoryRead: true`) in its capabilities;
//! - serves every file as a resource `skill://<name>/<path>` (`resources/list`,
//!   `resources/read`), `SKILL.md` as `text/markdown` named and described
//!   from its frontmatter;
//! - answers `skills/list` (paginated), `skills/get` and
//!   `resources/directory/read`, each entry carrying the frontmatter as JSON
//!   and the SHA-256 digest and size of every file.
//!
//! Skills are checked when they are added: names per the Agent Skills rules
//! and equal to the frontmatter's, paths that stay inside the skill, at
//! most [`MAX_FILES`] files and [`MAX_TOTAL_SIZE`] bytes per skill. What
//! the server serves is fixed when it is built, so digests never go stale.
//!
//! ```
//! use quickmcp::Server;
//! use quickmcp::skills::{Skill, Skills};
//!
//! let skills = Skills::new().skill(
//!     Skill::new("git-workflow", "Follow this team's Git conventions for branches and commits")
//!         .instructions("# Git workflow\n\nBranch from `main`; see [commits](references/COMMITS.md).\n")
//!         .file("references/COMMITS.md", "Write commit subjects in the imperative.\n"),
//! );
//! let server = Server::builder("docs", "1.0.0").skills(skills).build();
//! # let _ = server;
//! ```

mod dir;
mod directory;
mod error;
mod frontmatter;
mod manifest;
mod mime;
mod name;
mod skill;

pub use error::SkillError;
pub use skill::Skill;

pub(crate) use manifest::Manifest;

/// The YAML frontmatter of a `SKILL.md`'s text as the JSON object a skill
/// entry carries, parsed as the server parses it (YAML 1.2, no aliases, at
/// most 64 KiB): what a client compares an entry's `frontmatter` against.
///
/// ```
/// let fields = quickmcp::skills::parse_frontmatter("---\nname: pdf\ndescription: Read PDFs\n---\n# PDF\n").unwrap();
/// assert_eq!(fields["name"], "pdf");
/// ```
pub fn parse_frontmatter(skill_md: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    frontmatter::parse(skill_md)
}

/// The extension's identifier, the key of its capability under `extensions`.
pub const EXTENSION: &str = "io.modelcontextprotocol/skills";
/// Most files one skill may hold, `SKILL.md` included (the extension's limit).
pub const MAX_FILES: usize = 512;
/// Most bytes one skill's files may add up to: 16 MiB (the extension's limit).
pub const MAX_TOTAL_SIZE: u64 = 16 * 1024 * 1024;
/// The scheme of skill resources.
pub(crate) const SCHEME: &str = "skill://";
/// The manifest every skill holds at its root.
pub(crate) const SKILL_MD: &str = "SKILL.md";

/// The skills a server serves, each checked when added.
///
/// ```
/// use quickmcp::skills::{Skill, Skills};
///
/// let skills: Skills = [Skill::new("pdf-processing", "Extract text from PDF files")].into_iter().collect();
/// assert_eq!(skills.uris(), ["skill://pdf-processing/SKILL.md"]);
/// ```
#[derive(Default)]
pub struct Skills {
    manifests: Vec<Manifest>,
    problems: Vec<SkillError>,
}

impl Skills {
    /// No skills yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `skill`. A skill that breaks a rule (name, frontmatter, paths,
    /// limits) is not served: building the server then fails and says why
    /// (see [`problems`](Self::problems)).
    #[must_use]
    pub fn skill(mut self, skill: Skill) -> Self {
        match Manifest::compile(&skill) {
            Ok(manifest) => self.manifests.push(manifest),
            Err(problem) => self.problems.push(problem),
        }
        self
    }

    /// Adds every skill of `other`.
    #[must_use]
    pub fn merge(mut self, other: Skills) -> Self {
        self.manifests.extend(other.manifests);
        self.problems.extend(other.problems);
        self
    }

    /// The URIs of the skills' `SKILL.md`, in the order they were added.
    pub fn uris(&self) -> Vec<&str> {
        self.manifests.iter().map(|m| m.uri.as_str()).collect()
    }

    /// How many skills are served.
    pub fn len(&self) -> usize {
        self.manifests.len()
    }

    /// Whether no skill is served.
    pub fn is_empty(&self) -> bool {
        self.manifests.is_empty()
    }

    /// Skills that were added but break a rule, with the reason.
    pub fn problems(&self) -> &[SkillError] {
        &self.problems
    }

    /// The checked skills and the problems, for the server builder.
    pub(crate) fn into_parts(self) -> (Vec<Manifest>, Vec<SkillError>) {
        (self.manifests, self.problems)
    }
}

impl FromIterator<Skill> for Skills {
    fn from_iter<I: IntoIterator<Item = Skill>>(skills: I) -> Self {
        skills.into_iter().fold(Skills::new(), Skills::skill)
    }
}

impl std::fmt::Debug for Skills {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Skills").field("uris", &self.uris()).field("problems", &self.problems).finish()
    }
}
