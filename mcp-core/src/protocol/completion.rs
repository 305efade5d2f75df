use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// `completion/complete` params.
#[derive(Debug, Clone, Deserialize)]
pub struct CompleteParams {
    /// A prompt or a resource template.
    #[serde(rename = "ref")]
    pub reference: CompletionRef,
    /// The argument being completed.
    pub argument: CompletionArgument,
    /// Arguments already filled in.
    #[serde(default)]
    pub context: Option<CompletionContext>,
}

/// What is being completed.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum CompletionRef {
    /// A prompt by name.
    #[serde(rename = "ref/prompt")]
    Prompt {
        /// Its name.
        name: String,
    },
    /// A resource template by its URI template.
    #[serde(rename = "ref/resource")]
    Resource {
        /// Its template.
        uri: String,
    },
}

/// The argument and the text typed so far.
#[derive(Debug, Clone, Deserialize)]
pub struct CompletionArgument {
    /// Argument name.
    pub name: String,
    /// Partial value.
    pub value: String,
}

/// Other arguments' values.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CompletionContext {
    /// By name.
    #[serde(default)]
    pub arguments: HashMap<String, String>,
}

/// `completion/complete` result body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Completion {
    /// Up to 100 suggestions.
    pub values: Vec<String>,
    /// How many exist in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// More exist than returned.
    #[serde(default)]
    pub has_more: bool,
}

impl Completion {
    /// At most 100 of `values`, with `total` and `hasMore` set to match.
    pub fn from_values(mut values: Vec<String>) -> Self {
        let total = values.len();
        values.truncate(100);
        Self { has_more: total > values.len(), total: Some(total as u64), values }
    }
}
