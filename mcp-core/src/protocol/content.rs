use super::Role;
use serde::ser::SerializeStruct as _;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

/// One piece of content in a tool result or a prompt message.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// Plain text.
    Text(TextContent),
    /// A base64-encoded image.
    Image(ImageContent),
    /// Base64-encoded audio.
    Audio(AudioContent),
    /// A link to a resource the client may read.
    ResourceLink(super::Resource),
    /// A resource's contents, embedded.
    Resource(EmbeddedResource),
}

impl Content {
    /// Text content.
    pub fn text(text: impl Into<String>) -> Self {
        Content::Text(TextContent { text: text.into(), annotations: None })
    }
    /// An image from base64 `data`.
    pub fn image(data: impl Into<String>, mime_type: impl Into<String>) -> Self {
        Content::Image(ImageContent { data: data.into(), mime_type: mime_type.into(), annotations: None })
    }
    /// Audio from base64 `data`.
    pub fn audio(data: impl Into<String>, mime_type: impl Into<String>) -> Self {
        Content::Audio(AudioContent { data: data.into(), mime_type: mime_type.into(), annotations: None })
    }
    /// An embedded resource.
    pub fn resource(contents: ResourceContents) -> Self {
        Content::Resource(EmbeddedResource { resource: contents, annotations: None })
    }
}

impl Serialize for Content {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // Nearly every result is text: written here member by member,
            // where the derived (internally tagged) form would first buffer
            // its members through serde's tagging serializer.
            Content::Text(text) => {
                let annotated = text.annotations.is_some();
                let mut out = serializer.serialize_struct("TextContent", 2 + usize::from(annotated))?;
                out.serialize_field("type", "text")?;
                out.serialize_field("text", &text.text)?;
                match &text.annotations {
                    Some(annotations) => out.serialize_field("annotations", annotations)?,
                    None => out.skip_field("annotations")?,
                }
                out.end()
            }
            Content::Image(image) => Tagged::Image(image).serialize(serializer),
            Content::Audio(audio) => Tagged::Audio(audio).serialize(serializer),
            Content::ResourceLink(link) => Tagged::ResourceLink(link).serialize(serializer),
            Content::Resource(resource) => Tagged::Resource(resource).serialize(serializer),
        }
    }
}

/// The other kinds of [`Content`], written as the derive writes them.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Tagged<'a> {
    Image(&'a ImageContent),
    Audio(&'a AudioContent),
    ResourceLink(&'a super::Resource),
    Resource(&'a EmbeddedResource),
}

/// Who content is for and how much it matters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Annotations {
    /// The intended readers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<Vec<Role>>,
    /// 0 (least) to 1 (most important).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<f64>,
    /// ISO 8601 time of the last change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// `{"type":"text"}` content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextContent {
    /// The text.
    pub text: String,
    /// Optional annotations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
}

/// `{"type":"image"}` content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageContent {
    /// Base64-encoded bytes.
    pub data: String,
    /// e.g. `image/png`.
    pub mime_type: String,
    /// Optional annotations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
}

/// `{"type":"audio"}` content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AudioContent {
    /// Base64-encoded bytes.
    pub data: String,
    /// e.g. `audio/wav`.
    pub mime_type: String,
    /// Optional annotations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
}

/// `{"type":"resource"}` content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddedResource {
    /// The embedded contents.
    pub resource: ResourceContents,
    /// Optional annotations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
}

/// The contents of a resource: text or a base64 blob.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceContents {
    /// The resource's URI.
    pub uri: String,
    /// Its media type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Text contents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Base64-encoded binary contents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
    /// Extra metadata.
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
}

impl ResourceContents {
    /// Text contents at `uri`.
    pub fn text(uri: impl Into<String>, text: impl Into<String>) -> Self {
        Self { uri: uri.into(), mime_type: None, text: Some(text.into()), blob: None, meta: None }
    }
    /// Binary contents at `uri`, base64-encoded here.
    pub fn blob(uri: impl Into<String>, bytes: &[u8]) -> Self {
        use base64::Engine as _;
        let blob = base64::engine::general_purpose::STANDARD.encode(bytes);
        Self { uri: uri.into(), mime_type: None, text: None, blob: Some(blob), meta: None }
    }
    /// Sets the media type.
    #[must_use]
    pub fn with_mime_type(mut self, mime: impl Into<String>) -> Self {
        self.mime_type = Some(mime.into());
        self
    }
}

/// An icon a client may show for a tool, resource or prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Icon {
    /// URL or `data:` URI.
    pub src: String,
    /// e.g. `image/png`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// e.g. `["48x48"]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sizes: Option<Vec<String>>,
}

impl Icon {
    /// An icon at `src`.
    pub fn new(src: impl Into<String>) -> Self {
        Self { src: src.into(), mime_type: None, sizes: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_is_written_with_its_type_first_and_reads_back() {
        let annotated = Content::Text(TextContent {
            text: "hi \"there\"".into(),
            annotations: Some(Annotations { priority: Some(0.5), ..Annotations::default() }),
        });
        let link = Content::ResourceLink(serde_json::from_value(json!({"uri": "a://b", "name": "b"})).unwrap());
        let cases = [
            (Content::text("hi"), json!({"type": "text", "text": "hi"})),
            (annotated, json!({"type": "text", "text": "hi \"there\"", "annotations": {"priority": 0.5}})),
            (Content::image("AA==", "image/png"), json!({"type": "image", "data": "AA==", "mimeType": "image/png"})),
            (Content::audio("AA==", "audio/wav"), json!({"type": "audio", "data": "AA==", "mimeType": "audio/wav"})),
            (link, json!({"type": "resource_link", "uri": "a://b", "name": "b"})),
            (
                Content::resource(ResourceContents::text("a://b", "x")),
                json!({"type": "resource", "resource": {"uri": "a://b", "text": "x"}}),
            ),
        ];
        for (content, expected) in cases {
            let written = serde_json::to_string(&content).unwrap();
            assert!(written.starts_with(r#"{"type":""#), "{written}");
            assert_eq!(serde_json::from_str::<Value>(&written).unwrap(), expected);
            assert_eq!(serde_json::from_str::<Content>(&written).unwrap(), content);
        }
    }
}
