//! Why a skill cannot be served.

use std::fmt;

/// A skill that cannot be served: which one, and why.
///
/// ```
/// use quickmcp::skills::Skills;
///
/// let error = Skills::from_dir("/no/such/dir").unwrap_err();
/// assert!(error.to_string().starts_with("skill `/no/such/dir`: "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillError {
    skill: String,
    message: String,
}

impl SkillError {
    pub(crate) fn new(skill: impl Into<String>, message: impl fmt::Display) -> Self {
        Self { skill: skill.into(), message: message.to_string() }
    }

    /// The skill's name, or the path it was loaded from.
    pub fn skill(&self) -> &str {
        &self.skill
    }

    /// What is wrong with it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SkillError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "skill `{}`: {}", self.skill, self.message)
    }
}

impl std::error::Error for SkillError {}
