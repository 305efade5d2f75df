use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest name, version or title of a client kept with its session.
pub const IMPLEMENTATION_FIELD_MAX: usize = 256;

/// Name and version of a client or server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Implementation {
    /// Programmatic name.
    pub name: String,
    /// Version string.
    pub version: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Implementation {
    /// The same, each field cut to [`IMPLEMENTATION_FIELD_MAX`] bytes (at a
    /// character boundary): what a server keeps of what a client says.
    pub fn bounded(mut self) -> Self {
        for field in [&mut self.name, &mut self.version].into_iter().chain(self.title.as_mut()) {
            let mut end = field.len().min(IMPLEMENTATION_FIELD_MAX);
            while !field.is_char_boundary(end) {
                end -= 1;
            }
            field.truncate(end);
            field.shrink_to_fit();
        }
        self
    }
}

/// `initialize` params.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeParams {
    /// The revision the client wants.
    pub protocol_version: String,
    /// What the client can do (sampling, elicitation, roots…).
    #[serde(default)]
    pub capabilities: ClientCapabilities,
    /// Who the client is.
    pub client_info: Implementation,
}

/// What a client declared it supports. Only what the server acts on is
/// kept, as flags: the contents of a capability (and any capability the
/// server does not use, such as `experimental`) are skipped while parsing,
/// so a client cannot make the server hold them. It is `Copy`: no heap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCapabilities {
    /// `sampling/createMessage` support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling: Option<Present>,
    /// `elicitation/create` support, and which modes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elicitation: Option<ElicitationCapability>,
    /// `roots/list` support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roots: Option<Present>,
    /// The extensions the client declared that this server knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<ClientExtensions>,
}

/// Extensions a client may declare under `capabilities.extensions`; only
/// those the server acts on are kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientExtensions {
    /// `io.modelcontextprotocol/tasks`: the client takes a task handle in
    /// place of a result (SEP-2663).
    #[serde(rename = "io.modelcontextprotocol/tasks", default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Present>,
    /// `io.modelcontextprotocol/ui`: the client (a host) can show an app's
    /// page (MCP Apps, SEP-1865).
    #[serde(rename = "io.modelcontextprotocol/ui", default, skip_serializing_if = "Option::is_none")]
    pub ui: Option<UiCapability>,
}

/// What a host declared of the MCP Apps extension: whether its
/// `mimeTypes` include `text/html;profile=mcp-app`, the one kind of page
/// there is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UiCapability {
    /// It can show HTML pages.
    pub html: bool,
}

impl Serialize for UiCapability {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let types: &[&str] = if self.html { &[crate::apps::MIME_TYPE] } else { &[] };
        serde_json::json!({ "mimeTypes": types }).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for UiCapability {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Any shape is a declaration; only the HTML type counts.
        let declared = Value::deserialize(deserializer)?;
        let html =
            declared["mimeTypes"].as_array().is_some_and(|types| types.iter().any(|t| t == crate::apps::MIME_TYPE));
        Ok(Self { html })
    }
}

impl ClientCapabilities {
    /// Whether the client declared the tasks extension.
    pub fn tasks(&self) -> bool {
        self.extensions.is_some_and(|e| e.tasks.is_some())
    }

    /// Whether the client can show an app's page (it declared the MCP Apps
    /// extension with the `text/html;profile=mcp-app` type).
    pub fn apps(&self) -> bool {
        self.extensions.and_then(|e| e.ui).is_some_and(|ui| ui.html)
    }
}

/// The elicitation modes a client declared; an empty declaration means
/// form mode only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElicitationCapability {
    /// Form mode, declared explicitly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<Present>,
    /// URL mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Present>,
}

/// A declared capability whose contents are not kept (written back as `{}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Present;

impl Serialize for Present {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        serializer.serialize_map(Some(0))?.end()
    }
}

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| Present)
    }
}

/// `initialize` result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeResult<'a> {
    /// The negotiated revision.
    pub protocol_version: &'a str,
    /// What this server offers.
    pub capabilities: &'a Value,
    /// Who this server is.
    pub server_info: &'a Implementation,
    /// How to use this server, for the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructions: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_keep_flags_not_contents() {
        let huge = "x".repeat(1 << 16);
        let declared = serde_json::json!({
            "sampling": {"tools": [huge]}, "elicitation": {"url": {}}, "experimental": {"a": [1, 2, 3]},
        });
        let caps: ClientCapabilities = serde_json::from_value(declared).unwrap();
        let expected = ElicitationCapability { form: None, url: Some(Present) };
        assert_eq!(
            caps,
            ClientCapabilities { sampling: Some(Present), elicitation: Some(expected), roots: None, extensions: None }
        );
        assert_eq!(
            serde_json::to_value(caps).unwrap(),
            serde_json::json!({"sampling": {}, "elicitation": {"url": {}}})
        );
    }

    #[test]
    fn implementations_are_bounded_at_character_boundaries() {
        let long = Implementation { name: "é".repeat(300), version: "1".into(), title: Some("t".repeat(999)) };
        let kept = long.bounded();
        assert!(kept.name.len() <= IMPLEMENTATION_FIELD_MAX && kept.name.chars().all(|c| c == 'é'));
        assert_eq!((kept.version.as_str(), kept.title.map(|t| t.len())), ("1", Some(IMPLEMENTATION_FIELD_MAX)));
    }
}
