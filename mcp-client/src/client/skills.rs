//! The skills calls: list and get entries, read a skill's files verified.

use super::Client;
use crate::error::ClientError;
use crate::skills::{self, SkillEntry};
use serde_json::{Value, json};

impl Client {
    /// Every skill the server offers (all pages of `skills/list`). Reads no
    /// file: load a skill when it is needed.
    pub async fn list_skills(&self) -> Result<Vec<SkillEntry>, ClientError> {
        self.list("skills/list", "skills").await?.into_iter().map(entry).collect()
    }

    /// The skill whose `SKILL.md` is at `uri` (`skills/get`).
    pub async fn get_skill(&self, uri: &str) -> Result<SkillEntry, ClientError> {
        let mut result = self.request("skills/get", json!({"uri": uri})).await?;
        entry(result.get_mut("skill").map(Value::take).unwrap_or_default())
    }

    /// Reads the skill's `SKILL.md` and returns its text once its size,
    /// digest and frontmatter match the entry; otherwise an error, and the
    /// content is not returned.
    pub async fn load_skill(&self, skill: &SkillEntry) -> Result<String, ClientError> {
        let bytes = self.read_skill_file(skill, &skill.uri).await?;
        let text = String::from_utf8(bytes)
            .map_err(|_| ClientError::Protocol(format!("skill {} has a SKILL.md that is not UTF-8", skill.uri)))?;
        skills::verify_frontmatter(skill, &text)?;
        Ok(text)
    }

    /// Reads file `uri` of `skill` and returns its bytes once their size and
    /// digest match the entry's; a file the entry does not list is not read.
    pub async fn read_skill_file(&self, skill: &SkillEntry, uri: &str) -> Result<Vec<u8>, ClientError> {
        let file =
            skill.file(uri).ok_or_else(|| ClientError::Protocol(format!("skill {} lists no file {uri}", skill.uri)))?;
        let bytes = skills::content_bytes(&self.read_resource(uri).await?, uri)?;
        skills::verify_file(file, &bytes)?;
        Ok(bytes)
    }
}

fn entry(value: Value) -> Result<SkillEntry, ClientError> {
    serde_json::from_value(value).map_err(|e| ClientError::Protocol(format!("a skill entry: {e}")))
}
